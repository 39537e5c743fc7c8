// Imported first by every *.http.spec.ts, before the spec it re-runs: from here on this test
// file's openTestClickHouse goes over HTTP to a ClickHouse HTTP test harness child process.
import { useClickHouseHttpHarness } from '../testing';

useClickHouseHttpHarness();

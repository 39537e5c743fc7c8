// trace-search.queries.spec.ts again, with every store reached over HTTP (clickhouse.mode: http, @clickhouse/client
// on the network) through the ClickHouse HTTP test harness, a child process holding the engine.
import './over-http';
import '../queries/trace-search.queries.spec';

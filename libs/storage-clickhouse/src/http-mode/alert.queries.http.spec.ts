// alert-queries.spec.ts again, with every store reached over HTTP (clickhouse.mode: http, @clickhouse/client
// on the network) through the ClickHouse HTTP test harness, a child process holding the engine.
import './over-http';
import '../queries/alert.queries.spec';
import '../queries/alert.queries.infra.spec';

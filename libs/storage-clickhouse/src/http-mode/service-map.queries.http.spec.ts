// service-map.queries.spec.ts again, with the store reached over HTTP (clickhouse.mode: http) through the ClickHouse HTTP test harness.
import './over-http';
import '../queries/service-map.queries.spec';

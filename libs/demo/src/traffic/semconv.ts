// Span names and attributes in the two generations of OpenTelemetry semantic conventions that
// real instrumentations emit side by side: the old HTTP/DB names (http.method, db.statement, …)
// and the stable ones (http.request.method, db.query.text, …). Which one a service writes is a
// column of the scenario table; Meridian has to read both.

import type { Attributes } from '@opentelemetry/api';
import type { DbInstanceDef, EndpointDef, SemconvStyle, ServiceDef } from './scenarios';

export interface NamedAttributes {
  name: string;
  attributes: Attributes;
}

export interface ServerRequest {
  path: string;
  status: number;
  clientAddress: string;
  userAgent: string;
}

export function httpServerSpan(style: SemconvStyle, service: ServiceDef, ep: EndpointDef, req: ServerRequest): NamedAttributes {
  const name = `${ep.method} ${ep.route}`;
  if (style === 'old') {
    return {
      name,
      attributes: {
        'http.method': ep.method,
        'http.target': req.path,
        'http.route': ep.route,
        'http.status_code': req.status,
        'http.scheme': 'http',
        'http.flavor': '1.1',
        'http.user_agent': req.userAgent,
        'net.host.name': service.host,
        'net.host.port': service.port,
        'net.sock.peer.addr': req.clientAddress,
      },
    };
  }
  const [urlPath, query] = req.path.split('?');
  const attributes: Attributes = {
    'http.request.method': ep.method,
    'url.path': urlPath,
    'url.scheme': 'http',
    'http.route': ep.route,
    'http.response.status_code': req.status,
    'network.protocol.version': '1.1',
    'user_agent.original': req.userAgent,
    'server.address': service.host,
    'server.port': service.port,
    'client.address': req.clientAddress,
  };
  if (query) attributes['url.query'] = query;
  if (req.status >= 500) attributes['error.type'] = String(req.status);
  return { name, attributes };
}

export function messagingConsumerSpan(ep: EndpointDef, partition: number, offset: number): NamedAttributes {
  const consumer = ep.consumer ?? { system: 'kafka', group: ep.service, partitions: 1 };
  return {
    name: `${ep.method} ${ep.route}`,
    attributes: {
      'messaging.system': consumer.system,
      'messaging.operation.type': 'process',
      'messaging.operation.name': ep.method,
      'messaging.destination.name': ep.route,
      'messaging.consumer.group.name': consumer.group,
      'messaging.destination.partition.id': String(partition),
      'messaging.kafka.offset': offset,
    },
  };
}

export interface ClientRequest {
  method: string;
  host: string;
  port: number;
  path: string;
  /** undefined when no response came back (timeout) */
  status?: number;
  errorType?: string;
}

export function httpClientSpan(style: SemconvStyle, req: ClientRequest): NamedAttributes {
  const scheme = req.port === 443 ? 'https' : 'http';
  const url = `${scheme}://${req.host}${req.port === 443 ? '' : `:${req.port}`}${req.path}`;
  if (style === 'old') {
    const attributes: Attributes = {
      'http.method': req.method,
      'http.url': url,
      'net.peer.name': req.host,
      'net.peer.port': req.port,
    };
    if (req.status !== undefined) attributes['http.status_code'] = req.status;
    return { name: `HTTP ${req.method}`, attributes };
  }
  const attributes: Attributes = {
    'http.request.method': req.method,
    'url.full': url,
    'server.address': req.host,
    'server.port': req.port,
  };
  if (req.status !== undefined) attributes['http.response.status_code'] = req.status;
  const errorType = req.errorType ?? (req.status !== undefined && req.status >= 400 ? String(req.status) : undefined);
  if (errorType) attributes['error.type'] = errorType;
  return { name: req.method, attributes };
}

export function dbClientSpan(style: SemconvStyle, db: DbInstanceDef, operation: string, table: string, query: string): NamedAttributes {
  const isSql = db.system !== 'redis';
  const name = isSql ? `${operation} ${table}` : operation;
  if (style === 'old') {
    const attributes: Attributes = {
      'db.system': db.system,
      'db.name': db.namespace,
      'db.statement': query,
      'db.operation': operation,
      'db.user': db.user,
      'net.peer.name': db.host,
      'net.peer.port': db.port,
    };
    if (isSql) attributes['db.sql.table'] = table;
    return { name, attributes };
  }
  const attributes: Attributes = {
    'db.system.name': db.system,
    'db.namespace': db.namespace,
    'db.query.text': query,
    'db.operation.name': operation,
    'server.address': db.host,
    'server.port': db.port,
  };
  if (isSql) attributes['db.collection.name'] = table;
  return { name, attributes };
}

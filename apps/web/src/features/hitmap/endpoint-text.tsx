import { Fragment } from 'react';

/** Where an endpoint may wrap: after a path separator or a query delimiter, never inside a word. */
export function endpointParts(endpoint: string): string[] {
  return endpoint.split(/(?<=[/?&=])/);
}

/** An endpoint (`GET /api/orders/{id}`) that wraps only between its path segments. */
export function EndpointText({ endpoint, className }: { endpoint: string; className?: string }) {
  return (
    <span className={className}>
      {endpointParts(endpoint).map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </span>
  );
}

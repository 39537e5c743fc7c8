'use client';

/** Logs page (being built). */
export function LogsPage() {
  return <h1>Logs</h1>;
}

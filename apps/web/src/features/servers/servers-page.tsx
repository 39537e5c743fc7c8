'use client';

/** Servers page (being built). */
export function ServersPage() {
  return <h1>Servers</h1>;
}

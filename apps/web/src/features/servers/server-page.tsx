'use client';

/** Server page (being built). */
export function ServerPage() {
  return <h1>Server</h1>;
}

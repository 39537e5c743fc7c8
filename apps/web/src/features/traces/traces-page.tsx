'use client';

/** Trace explorer page (being built). */
export function TracesPage() {
  return <h1>Trace explorer</h1>;
}

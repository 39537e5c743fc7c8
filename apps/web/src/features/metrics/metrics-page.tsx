'use client';

/** Metrics explorer page (being built). */
export function MetricsPage() {
  return <h1>Metrics explorer</h1>;
}

'use client';

/** Pod page (being built). */
export function PodPage() {
  return <h1>Pod</h1>;
}

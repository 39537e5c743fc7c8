'use client';

/** Service map page (being built). */
export function ServiceMapPage() {
  return <h1>Service map</h1>;
}

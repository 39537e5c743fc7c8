'use client';

/** Kubernetes page (being built). */
export function KubernetesPage() {
  return <h1>Kubernetes</h1>;
}

'use client';

import { KubernetesPage } from '../../../features/kubernetes/kubernetes-page';

export default function Page() {
  return <KubernetesPage />;
}

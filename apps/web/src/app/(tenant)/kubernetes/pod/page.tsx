'use client';

import { PodPage } from '../../../../features/kubernetes/pod-page';

export default function Page() {
  return <PodPage />;
}

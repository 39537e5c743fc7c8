'use client';

import { InstancePage } from '../../../../features/database/instance-page';

export default function Page() {
  return <InstancePage />;
}

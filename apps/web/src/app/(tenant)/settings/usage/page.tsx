'use client';

import { UsagePage } from '../../../../features/usage/usage-page';

export default function Page() {
  return <UsagePage />;
}

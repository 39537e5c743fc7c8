'use client';

import { HitmapPage } from '../../../features/hitmap/hitmap-page';

export default function Page() {
  return <HitmapPage />;
}

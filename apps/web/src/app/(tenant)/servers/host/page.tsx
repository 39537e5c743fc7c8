'use client';

import { ServerPage } from '../../../../features/servers/server-page';

export default function Page() {
  return <ServerPage />;
}

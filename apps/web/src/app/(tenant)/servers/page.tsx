'use client';

import { ServersPage } from '../../../features/servers/servers-page';

export default function Page() {
  return <ServersPage />;
}

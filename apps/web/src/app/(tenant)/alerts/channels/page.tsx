'use client';

import { ChannelsPage } from '../../../../features/alerting/channels-page';

export default function Page() {
  return <ChannelsPage />;
}

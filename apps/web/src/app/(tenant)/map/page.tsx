'use client';

import { ServiceMapPage } from '../../../features/service-map/service-map-page';

export default function Page() {
  return <ServiceMapPage />;
}

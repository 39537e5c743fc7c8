'use client';

import { ServicesPage } from '../../../features/services/services-page';

export default function Page() {
  return <ServicesPage />;
}

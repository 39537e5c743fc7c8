'use client';

import { RulePage } from '../../../../features/alerting/rule-page';

export default function Page() {
  return <RulePage />;
}

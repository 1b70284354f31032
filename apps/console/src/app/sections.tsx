import type { ReactNode } from 'react';
import type { Run } from '../components/api-guard.js';
import { AccessRulesSection } from '../features/access-rules/access-rules-section.js';
import { DevicesView } from '../features/devices/devices-view.js';
import { FindingsView } from '../features/findings/findings-view.js';
import { LiveView } from '../features/live/live-view.js';
import { OutboundQueueView } from '../features/outbound-queue/outbound-queue-view.js';
import { PoliciesSection } from '../features/policies/policies-section.js';
import { QuarantineView } from '../features/quarantine/quarantine-view.js';
import { SelfTestView } from '../features/self-test/self-test-view.js';

export interface Section {
  id: string;
  label: string;
  render: (run: Run) => ReactNode;
}

/** The console's pages in navigation order; the first is where a sign-in lands. */
export const SECTIONS: readonly Section[] = [
  { id: 'devices', label: 'Accounts and devices', render: (run) => <DevicesView run={run} /> },
  { id: 'findings', label: 'Findings', render: (run) => <FindingsView run={run} /> },
  { id: 'quarantine', label: 'Quarantine', render: (run) => <QuarantineView run={run} /> },
  { id: 'outbound', label: 'Outbound queue', render: (run) => <OutboundQueueView run={run} /> },
  {
    id: 'rules',
    label: 'Access rules and policies',
    render: (run) => (
      <>
        <AccessRulesSection run={run} />
        <PoliciesSection run={run} />
      </>
    ),
  },
  { id: 'selftest', label: 'Self-test', render: (run) => <SelfTestView run={run} /> },
  { id: 'live', label: 'Live counters', render: (run) => <LiveView run={run} /> },
];

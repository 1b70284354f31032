// The services whose processes the bench samples, restarts for profiles and counts in the server side's
// cost of a message. outbound is left out: it is not on the path of arriving mail, and run.mjs samples it
// apart, for the sending scenario only. (The harness's own list is SERVICE_NAMES in libs/testing; it cannot
// be imported here before --build has built that library.)
export const MEASURED_SERVICES = [
  'device-registry',
  'mailbox',
  'ingest',
  'push-delivery',
  'operations',
  'activesync',
];

// The device (JMAP and ActiveSync) and SMTP clients live in the shared libraries, so that the self-test, the tools and
// the benchmark use the same ones; tests take them from here.
export {
  DeviceClient,
  UpgradeRefusedError,
  type CloseInfo,
  type DeviceClientOptions,
  type Invocation,
  type ServerMessage,
  type StateChange,
} from '@pushmail/jmap';
export {
  easRequests,
  EasClient,
  provisionPolicyOf,
  syncCollectionOf,
  type EasClientOptions,
  type EasResponse,
} from '@pushmail/activesync';
export { buildMessage, sendMail, sendPlainMail, SmtpSession, type SmtpReply } from '@pushmail/platform';
export * from './admin-client.js';
export * from './collect-events.js';
export * from './config-fixtures.js';
export * from './container-specs.js';
export * from './delivery-group.js';
export * from './kafka-client.js';
export * from './device-fixtures.js';
export * from './dns-zone.js';
export * from './expect-eventually.js';
export * from './fault-proxy.js';
export * from './jmap-submission.js';
export * from './mailboxes.js';
export * from './metrics-scrape.js';
export * from './openapi-files.js';
export { startPlatformInContainers, type ContainerPlatformOptions } from './platform-containers.js';
export * from './platform-harness.js';
export * from './recipient.js';
export * from './required-env.js';
export * from './service-app.js';
export * from './smtp-outcome.js';
export * from './test-pool.js';
export * from './span-collector.js';
export * from './start-pushmail.js';
export * from './trace-fields.js';
export * from './web-push-receiver.js';

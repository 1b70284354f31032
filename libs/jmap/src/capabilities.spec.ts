import { describe, expect, it } from 'vitest';
import {
  CORE_CAPABILITY,
  DEVICE_CAPABILITY,
  MAIL_CAPABILITY,
  SUBMISSION_CAPABILITY,
  VACATION_RESPONSE_CAPABILITY,
  WEBPUSH_VAPID_CAPABILITY,
  WEBSOCKET_CAPABILITY,
} from './capabilities.js';

/**
 * Every service and test names capabilities through these constants, so their URNs are pinned
 * here, once, as clients send them: the ones in the IANA JMAP Capabilities registry, and
 * pushmail's own device extension.
 */
describe('JMAP capability URNs', () => {
  it.each([
    ['CORE_CAPABILITY', CORE_CAPABILITY, 'urn:ietf:params:jmap:core'],
    ['MAIL_CAPABILITY', MAIL_CAPABILITY, 'urn:ietf:params:jmap:mail'],
    ['SUBMISSION_CAPABILITY', SUBMISSION_CAPABILITY, 'urn:ietf:params:jmap:submission'],
    ['VACATION_RESPONSE_CAPABILITY', VACATION_RESPONSE_CAPABILITY, 'urn:ietf:params:jmap:vacationresponse'],
    ['WEBSOCKET_CAPABILITY', WEBSOCKET_CAPABILITY, 'urn:ietf:params:jmap:websocket'],
    ['WEBPUSH_VAPID_CAPABILITY', WEBPUSH_VAPID_CAPABILITY, 'urn:ietf:params:jmap:webpush-vapid'],
    ['DEVICE_CAPABILITY', DEVICE_CAPABILITY, 'urn:pushmail:params:jmap:device'],
  ])('%s is %s', (_name, constant, urn) => {
    expect(constant).toBe(urn);
  });
});

import { describe, expect, it } from 'vitest';
import type { AttachmentLookup, Attachments } from '../../mailbox/attachments.js';
import type { EasCommandContext } from '../../protocol/eas-command.js';
import type { DeviceStanding } from '../../registry/device-views.js';
import { allowedStanding } from '../../testing/device-standing.js';
import { GetAttachment } from './get-attachment.usecase.js';

const accountId = '0b1c2d3e-4f50-4617-8899-aabbccddeeff';

function setUp(lookup: AttachmentLookup) {
  const opened: string[] = [];
  const attachments = {
    maxBytes: 1000,
    open: (_account: string, reference: string) => {
      opened.push(reference);
      return Promise.resolve(lookup);
    },
  } as unknown as Attachments;
  return { opened, command: new GetAttachment(attachments) };
}

function context(standing: DeviceStanding = allowedStanding(), protocolVersion = '14.1'): EasCommandContext {
  return {
    request: { attachmentName: 'M1:B2' },
    protocolVersion,
    device: { accountId, deviceId: 'phone1', address: 'alice@example.com' },
    standing,
  } as unknown as EasCommandContext;
}

const bytes = () => ReadableStream.from([new Uint8Array([1, 2, 3])]);

describe(GetAttachment.name, () => {
  it('streams the attachment to an allowed device', async () => {
    const { command, opened } = setUp({ found: true, type: 'image/png', size: 3, body: bytes() });
    const reply = await command.execute(context());
    expect(reply).toMatchObject({ contentType: 'image/png', length: 3 });
    expect(opened).toEqual(['M1:B2']);
  });

  it('answers an unknown reference HTTP 500, as the specification says', async () => {
    const { command } = setUp({ found: false, reason: 'unknown' });
    expect(await command.execute(context())).toMatchObject({ http: 500 });
  });

  it.each(['14.0', '14.1'])(
    'answers a quarantined %s device HTTP 403, which phones do not retry, without opening the attachment',
    async (version) => {
      const { command, opened } = setUp({ found: true, type: 'image/png', size: 3, body: bytes() });
      const reply = await command.execute(context({ ...allowedStanding(), access: 'quarantined' }, version));
      expect(reply).toEqual({ http: 403, detail: expect.stringContaining('quarantined') });
      expect(opened).toEqual([]);
    },
  );
});

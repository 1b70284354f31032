import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { deviceTrailRecordV1 } from '@pushmail/contracts';
import { CORE_CAPABILITY, type JmapRequest, MAIL_CAPABILITY, NOT_JSON_ERROR } from '@pushmail/jmap';
import { ProblemException } from '@pushmail/platform';
import { describe, expect, it } from 'vitest';
import { PushMetrics } from '../metrics/push-metrics.js';
import type { SessionService } from '../session/session.service.js';
import { silentLogger } from '../testing/fake-socket.js';
import type { TrailInput, DeviceTrail } from '@pushmail/edge';
import { isJsonContentType, JmapApiController } from './jmap-api.controller.js';
import { JmapExecutor } from './jmap-executor.service.js';
import { MailboxError, type MailboxApi, type MailboxResponse } from './mailbox-client.js';

const accountId = '3d9b2f4a-6c1e-4a7b-8d2f-5e6a7b8c9d0e';
const device = { accountId, deviceId: 'laptop', tokenSha256: 'd'.repeat(64) };
const using = [CORE_CAPABILITY, MAIL_CAPABILITY];

class FakeMailbox implements MailboxApi {
  down = false;

  async execute(_accountId: string, request: JmapRequest): Promise<MailboxResponse> {
    if (this.down) throw new MailboxError('unavailable', 'connection refused');
    return {
      methodResponses: request.methodCalls.map(([name, , id]) => [name, { list: [] }, id]),
      sessionState: 'mailbox',
    };
  }

  async accountState(): Promise<never> {
    throw new Error('not used over HTTP');
  }
}

class RecordingTrail {
  readonly records: { accountId: string; input: TrailInput }[] = [];

  record(accountId: string, input: TrailInput): void {
    this.records.push({ accountId, input });
  }
}

class CapturedResponse {
  statusCode = 200;
  readonly headers = new Map<string, unknown>();
  body = '';

  setHeader(name: string, value: unknown): void {
    this.headers.set(name.toLowerCase(), value);
  }

  end(bytes: Buffer): void {
    this.body = bytes.toString('utf8');
  }
}

function setUp() {
  const mailbox = new FakeMailbox();
  const sessions = { stateOf: () => 'session-1' } as unknown as SessionService;
  const executor = new JmapExecutor(mailbox, sessions, new PushMetrics(), silentLogger);
  const trail = new RecordingTrail();
  const controller = new JmapApiController(executor, trail as unknown as DeviceTrail);
  const post = async (body: string, contentType: string | null = 'application/json') => {
    const request = Object.assign(Readable.from([Buffer.from(body)]), {
      headers: {
        'content-length': String(Buffer.byteLength(body)),
        ...(contentType === null ? {} : { 'content-type': contentType }),
      },
    }) as unknown as IncomingMessage;
    const response = new CapturedResponse();
    await controller.api(device, request, response as unknown as ServerResponse);
    return response;
  };
  return { mailbox, trail, post };
}

describe(JmapApiController.name, () => {
  it('records an HTTP request in the trail by its JMAP method names, with result and duration', async () => {
    const { trail, post } = setUp();
    const response = await post(
      JSON.stringify({
        using,
        methodCalls: [
          ['Email/query', { accountId }, 'q'],
          ['Email/get', { accountId, '#ids': { resultOf: 'q', name: 'Email/query', path: '/ids' } }, 'g'],
        ],
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(trail.records).toHaveLength(1);
    const [{ accountId: recordedAccount, input }] = trail.records as [(typeof trail.records)[number]];
    expect(recordedAccount).toBe(accountId);
    expect(input).toEqual({
      deviceId: 'laptop',
      kind: 'request',
      request: { methods: ['Email/query', 'Email/get'], ok: true, durationMs: expect.any(Number) },
    });
    expect(input.request?.durationMs).toBeGreaterThanOrEqual(0);
    expect(deviceTrailRecordV1.safeParse({ ...input, at: new Date().toISOString() }).success).toBe(true);
  });

  it('records the method error a call was answered with', async () => {
    const { mailbox, trail, post } = setUp();
    mailbox.down = true;
    const response = await post(JSON.stringify({ using, methodCalls: [['Email/get', { accountId }, 'g']] }));
    expect(response.statusCode).toBe(200);
    expect(trail.records.map((entry) => entry.input.request)).toEqual([
      { methods: ['Email/get'], ok: false, durationMs: expect.any(Number), error: 'serverUnavailable' },
    ]);
  });

  it('records a body that is not a JMAP request as a request error without methods', async () => {
    const { trail, post } = setUp();
    const refusal = await post('{not json').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ProblemException);
    expect((refusal as ProblemException).getStatus()).toBe(400);
    expect((refusal as ProblemException).problem.type).toBe(NOT_JSON_ERROR);
    expect(trail.records.map((entry) => entry.input.request)).toEqual([
      { methods: [], ok: false, durationMs: expect.any(Number), error: 'request error: notJSON' },
    ]);
  });

  it.each([['text/plain'], ['text/plain; charset=utf-8'], ['application/x-www-form-urlencoded'], [null]])(
    'answers notJSON to a request of type %s without running it',
    async (contentType) => {
      const { trail, post } = setUp();
      const body = JSON.stringify({ using, methodCalls: [['Email/get', { accountId }, 'g']] });
      const refusal = await post(body, contentType).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(ProblemException);
      expect((refusal as ProblemException).getStatus()).toBe(400);
      expect((refusal as ProblemException).problem.type).toBe(NOT_JSON_ERROR);
      expect(trail.records.map((entry) => entry.input.request?.methods)).toEqual([[]]);
    },
  );
});

describe(isJsonContentType.name, () => {
  it.each(['application/json', 'Application/JSON; charset="UTF-8"'])('accepts %j', (contentType) => {
    expect(isJsonContentType(contentType)).toBe(true);
  });

  it.each(['application/json; charset=iso-8859-1', 'application/jsonx', 'text/plain'])(
    'refuses %j: application/json in UTF-8 only',
    (contentType) => {
      expect(isJsonContentType(contentType)).toBe(false);
    },
  );
});

import { CORE_CAPABILITY, DEVICE_CAPABILITY, MAIL_CAPABILITY } from '@pushmail/jmap';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeviceClient, expectEventually, type Invocation } from '@pushmail/testing';
import { connectWhenKnown, newAccount, pushUrlOf, useSuitePlatform } from './support/e2e-platform.js';

const WS_MAX_MESSAGE_BYTES = 1_000_000;
const USING = [CORE_CAPABILITY, MAIL_CAPABILITY];

describe('the JMAP edge under hostile clients', () => {
  const suite = useSuitePlatform('hostile-jmap', {
    serviceEnv: { 'push-delivery': { WS_MAX_MESSAGE_BYTES: String(WS_MAX_MESSAGE_BYTES) } },
  });
  let pushUrl: string;

  beforeAll(() => {
    pushUrl = pushUrlOf(suite.platform);
  });

  async function newDevice(name = 'phone') {
    const { address, password, accountId } = await newAccount(suite.registry, { prefix: 'jmap-hostile' });
    const deviceId = `${name}-${randomUUID().slice(0, 6)}`;
    const device = await suite.registry.registerDevice(address, password, { deviceId });
    const client = await connectWhenKnown(suite.platform, device.token);
    return { address, password, accountId, deviceId, token: device.token, client };
  }

  function nextRequestError(client: DeviceClient, timeoutMs = 10_000) {
    return client.waitFor((message) => message['@type'] === 'RequestError', timeoutMs);
  }

  async function expectUsable(client: DeviceClient, accountId: string): Promise<void> {
    const [[name]] = (await client.request([['Email/get', { accountId, ids: [] }, 'g']])) as [Invocation];
    expect(name).toBe('Email/get');
  }

  /** Runs `abuse` on a fresh device's socket, then checks that the same socket still answers. */
  async function survivedOnNewDevice(
    abuse: (client: DeviceClient, accountId: string) => Promise<void>,
  ): Promise<void> {
    const { client, accountId } = await newDevice();
    try {
      await abuse(client, accountId);
      await expectUsable(client, accountId);
    } finally {
      client.close();
    }
  }

  async function expectPushDeliveryUp(): Promise<void> {
    const process = suite.platform.processes.get('push-delivery')!;
    expect(process.exitCode).toBeNull();
    expect((await fetch(`${pushUrl}/health/ready`)).status).toBe(200);
  }

  function post(token: string | undefined, body: string | Buffer, headers: Record<string, string> = {}) {
    return fetch(`${pushUrl}/jmap/api`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body,
    });
  }

  async function upgradeStatus(headers: Record<string, string>): Promise<number> {
    const socket = new WebSocket(suite.platform.websocketUrl, 'jmap', { headers });
    return new Promise((resolve, reject) => {
      socket.once('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
        socket.terminate();
      });
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('error', reject);
    });
  }

  describe('over the WebSocket', () => {
    it('answers text that is not JSON with a notJSON RequestError and keeps the socket', async () => {
      await survivedOnNewDevice(async (client) => {
        for (const garbage of [
          '{',
          'null',
          '"just a string"',
          '[1,2,3]',
          '\u0000\u0001\uffff',
          '{"@type":"Request"'.repeat(1000),
        ]) {
          const error = nextRequestError(client);
          client.sendRaw(garbage);
          expect((await error)['type']).toMatch(/^urn:ietf:params:jmap:error:(notJSON|notRequest)$/);
        }
      });
    });

    it('answers deep nesting, an unknown @type and too many method calls with request errors, naming the request id', async () => {
      await survivedOnNewDevice(async (client) => {
        let error = nextRequestError(client);
        client.sendRaw(
          `{"@type":"Request","id":"deep","using":[],"methodCalls":[],"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
        );
        expect(await error).toMatchObject({
          type: 'urn:ietf:params:jmap:error:notRequest',
          requestId: 'deep',
        });

        error = nextRequestError(client);
        client.sendRaw(JSON.stringify({ '@type': 'Requestz', id: 'odd', using: USING, methodCalls: [] }));
        expect(await error).toMatchObject({
          type: 'urn:ietf:params:jmap:error:notRequest',
          requestId: 'odd',
        });

        error = nextRequestError(client);
        const calls = Array.from({ length: 20_000 }, (_, index) => ['Core/echo', { index }, `c${index}`]);
        client.sendRaw(JSON.stringify({ '@type': 'Request', id: 'huge', using: USING, methodCalls: calls }));
        expect(await error).toMatchObject({
          type: 'urn:ietf:params:jmap:error:limit',
          limit: 'maxCallsInRequest',
          requestId: 'huge',
        });

        error = nextRequestError(client);
        client.sendRaw(
          JSON.stringify({ '@type': 'Request', id: 'cap', using: ['urn:example:nope'], methodCalls: [] }),
        );
        expect(await error).toMatchObject({ type: 'urn:ietf:params:jmap:error:unknownCapability' });
      });
    });

    it('answers result references that double the response with every call with a limit RequestError', async () => {
      const { client, accountId } = await newDevice();
      try {
        const methodCalls: Invocation[] = [['Core/echo', { seed: 'x'.repeat(64) }, 'c0']];
        for (let index = 1; index < 32; index += 1) {
          const previous = { resultOf: `c${index - 1}`, name: 'Core/echo', path: '' };
          methodCalls.push(['Core/echo', { '#a': previous, '#b': previous }, `c${index}`]);
        }
        const error = nextRequestError(client, 30_000);
        client.sendRaw(JSON.stringify({ '@type': 'Request', id: 'doubling', using: USING, methodCalls }));
        expect(await error).toMatchObject({
          type: 'urn:ietf:params:jmap:error:limit',
          requestId: 'doubling',
        });
        expect(['maxSizeReferences', 'maxSizeResponse']).toContain((await error)['limit']);
        await expectUsable(client, accountId);
        await expectPushDeliveryUp();
      } finally {
        client.close();
      }
    });

    it('answers unknown methods and malformed arguments with method errors, not a crash', async () => {
      await survivedOnNewDevice(async (client, accountId) => {
        const responses = await client.request([
          ['Nope/get', {}, 'a'],
          ['Email/get', { accountId, ids: 'not a list' }, 'b'],
          [
            'Email/query',
            { accountId, filter: { inMailbox: { deeply: [1, 2, { x: null }] } }, limit: -5 },
            'c',
          ],
          ['Email/changes', { accountId, sinceState: '\u0000'.repeat(100) }, 'd'],
          ['Email/get', { accountId, '#ids': { resultOf: 'zz', name: 'Email/query', path: '/ids' } }, 'e'],
          ['Email/get', { accountId: 'someone-else', ids: [] }, 'f'],
        ]);
        expect(responses).toHaveLength(6);
        for (const [name] of responses) expect(name).toBe('error');
      });
      await expectPushDeliveryUp();
    });

    it(`closes the socket with 1009 for a frame over the limit (${WS_MAX_MESSAGE_BYTES} bytes), and serves the device again after it reconnects`, async () => {
      const { client, token, accountId } = await newDevice();
      client.sendRaw(
        JSON.stringify({
          '@type': 'Request',
          id: 'big',
          using: USING,
          methodCalls: [['Core/echo', { pad: 'x'.repeat(WS_MAX_MESSAGE_BYTES + 1000) }, 'e']],
        }),
      );
      const closed = await client.waitForClose(10_000);
      expect(closed.code).toBe(1009);
      const again = await DeviceClient.connect(suite.platform.websocketUrl, token);
      try {
        await expectUsable(again, accountId);
      } finally {
        again.close();
      }
      await expectPushDeliveryUp();
    });

    it('answers every request of a flood from one device, and keeps serving another device meanwhile', async () => {
      const flooder = await newDevice('flooder');
      const bystander = await newDevice('bystander');
      try {
        const count = 2000;
        const answered = flooder.client.waitFor(
          () =>
            flooder.client.received.filter(
              (message) => message['@type'] === 'Response' || message['@type'] === 'RequestError',
            ).length >= count,
          60_000,
        );
        for (let index = 0; index < count; index += 1) {
          flooder.client.sendRaw(
            JSON.stringify({
              '@type': 'Request',
              id: `f${index}`,
              using: USING,
              methodCalls: [['Email/get', { accountId: flooder.accountId, ids: [] }, 'g']],
            }),
          );
        }
        const started = performance.now();
        await expectUsable(bystander.client, bystander.accountId);
        const bystanderMs = performance.now() - started;
        await answered;
        const errors = flooder.client.received.filter((message) => message['@type'] === 'RequestError');
        // One device gets its request rate and maxConcurrentRequests; the rest are refused at once, saying why.
        expect(errors.length).toBeGreaterThan(0);
        for (const error of errors) {
          expect(error['type']).toBe('urn:ietf:params:jmap:error:limit');
          expect(['maxConcurrentRequests', 'requestRate']).toContain(error['limit']);
          expect(error['detail']).toMatch(/maxConcurrentRequests|too many requests from this device/);
        }
        // More requests than the burst allows: the rate limit must have spoken.
        expect(errors.some((error) => error['limit'] === 'requestRate')).toBe(true);
        // Printed for the report: whether one device's flood is rate limited, and what another device felt.
        console.log(
          `[flood] ${count} requests: ${count - errors.length} answered, ${errors.length} refused with a limit error ("${String(errors[0]?.['detail'])}"); bystander answered in ${Math.round(bystanderMs)} ms`,
        );
        expect(bystanderMs).toBeLessThan(15_000);
        expect(flooder.client.isOpen).toBe(true);
        // Once its bucket refills, the flooding device is served again.
        await expectEventually(() => expectUsable(flooder.client, flooder.accountId), {
          timeoutMs: 10_000,
          intervalMs: 200,
        });
        await expectPushDeliveryUp();
      } finally {
        flooder.client.close();
        bystander.client.close();
      }
    });
  });

  describe('over HTTP', () => {
    it('rate limits a device that sends requests back to back with 429, Retry-After and a clear error', async () => {
      const { token, client, accountId } = await newDevice('sequential-flooder');
      client.close();
      const body = JSON.stringify({
        using: USING,
        methodCalls: [['Email/get', { accountId, ids: [] }, 'g']],
      });
      let limited: Response | undefined;
      for (let index = 0; index < 400 && !limited; index += 1) {
        const response = await post(token, body);
        if (response.status === 429) limited = response;
        else expect(response.status).toBe(200);
      }
      expect(limited, 'a device sending 400 requests back to back was never limited').toBeDefined();
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const problem = (await limited!.json()) as Record<string, unknown>;
      expect(problem).toMatchObject({
        type: 'urn:ietf:params:jmap:error:limit',
        limit: 'requestRate',
        status: 429,
      });
      expect(String(problem['detail'])).toMatch(/too many requests from this device: at most 50 per second/);
      await expectEventually(async () => expect((await post(token, body)).status).toBe(200), {
        timeoutMs: 5000,
        intervalMs: 100,
      });
    });

    it('answers bodies that are not JSON, nested too deep, or with too many calls with 400 problem details', async () => {
      const { token, client } = await newDevice();
      client.close();
      const cases: Array<[string | Buffer, string]> = [
        ['{', 'notJSON'],
        [Buffer.from([0xff, 0xfe, 0x00, 0x80]), 'notJSON'],
        ['[]', 'notRequest'],
        [`{"using":[],"methodCalls":[],"x":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, 'notRequest'],
        [
          JSON.stringify({
            using: USING,
            methodCalls: Array.from({ length: 5000 }, (_, index) => ['Core/echo', {}, `c${index}`]),
          }),
          'limit',
        ],
        [JSON.stringify({ using: ['urn:example:nope'], methodCalls: [] }), 'unknownCapability'],
      ];
      for (const [body, type] of cases) {
        const response = await post(token, body);
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
        expect(((await response.json()) as { type: string }).type).toBe(`urn:ietf:params:jmap:error:${type}`);
      }
      const oversized = await postAnsweredEarly(`${pushUrl}/jmap/api`, token, Buffer.alloc(10_000_001, 0x20));
      expect(oversized.status).toBe(400);
      expect(JSON.parse(oversized.body)).toMatchObject({
        type: 'urn:ietf:params:jmap:error:limit',
        limit: 'maxSizeRequest',
      });
      const fine = await post(
        token,
        JSON.stringify({ using: USING, methodCalls: [['Core/echo', { ok: true }, 'e']] }),
      );
      expect(fine.status).toBe(200);
      await expectPushDeliveryUp();
    });

    it('answers a POST that is not application/json with notJSON and runs nothing, so no web page can send one with Basic credentials', async () => {
      const { token, client, accountId } = await newDevice();
      try {
        const body = JSON.stringify({
          using: USING,
          methodCalls: [['Mailbox/set', { accountId, create: { m: { name: 'planted' } } }, 's']],
        });
        for (const contentType of [
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
        ]) {
          const response = await post(token, body, { 'content-type': contentType });
          expect(response.status, contentType).toBe(400);
          expect(((await response.json()) as { type: string }).type).toBe(
            'urn:ietf:params:jmap:error:notJSON',
          );
        }
        const [[, mailboxes]] = (await client.request([['Mailbox/get', { accountId, ids: null }, 'm']])) as [
          Invocation,
        ];
        expect((mailboxes['list'] as Array<{ name: string }>).map((box) => box.name)).not.toContain(
          'planted',
        );
      } finally {
        client.close();
      }
    });

    it('offers both Basic and Bearer when it answers 401', async () => {
      const body = JSON.stringify({ using: USING, methodCalls: [['Core/echo', {}, 'e']] });
      const response = await post(undefined, body);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        'Basic realm="pushmail", charset="UTF-8", Bearer realm="pushmail"',
      );
    });

    it('refuses missing, malformed and unknown credentials with 401, at HTTP and at the upgrade', async () => {
      const body = JSON.stringify({ using: USING, methodCalls: [['Core/echo', {}, 'e']] });
      expect((await post(undefined, body)).status).toBe(401);
      const hostileHeaders = [
        'Bearer',
        'Bearer ',
        `Bearer pmd_${randomUUID()}`,
        `Bearer ${'A'.repeat(6000)}`,
        'Basic !!!not-base64!!!',
        `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
        `Basic ${Buffer.from(`${'x'.repeat(3000)}:${'y'.repeat(3000)}`).toString('base64')}`,
        'Negotiate abc',
        'bearer\tpmd_x',
      ];
      for (const authorization of hostileHeaders) {
        expect((await post(undefined, body, { authorization })).status, authorization.slice(0, 40)).toBe(401);
        expect(await upgradeStatus({ authorization }), authorization.slice(0, 40)).toBe(401);
      }
      expect(await upgradeStatus({})).toBe(401);
      await expectPushDeliveryUp();
    });

    it('refuses a rotated-out, a blocked and a wiped device token', async () => {
      const rotating = await newDevice('rotating');
      rotating.client.close();
      const rotated = await fetch(`${pushUrl}/jmap/device/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rotating.token}` },
      });
      expect(rotated.status).toBe(200);
      const body = JSON.stringify({ using: USING, methodCalls: [['Core/echo', {}, 'e']] });
      expect((await post(rotating.token, body)).status).toBe(401);
      expect(await upgradeStatus({ authorization: `Bearer ${rotating.token}` })).toBe(401);

      const blocked = await newDevice('blocked');
      const adminHeaders = {
        authorization: `Bearer ${suite.platform.adminToken}`,
        'content-type': 'application/json',
      };
      const block = await fetch(
        `${suite.platform.registryUrl}/admin/accounts/${blocked.accountId}/devices/${blocked.deviceId}/access`,
        {
          method: 'PUT',
          headers: adminHeaders,
          body: JSON.stringify({ access: 'blocked' }),
        },
      );
      expect(block.status).toBe(200);
      expect((await blocked.client.waitForClose(5000)).code).toBe(4003);
      await expectEventually(async () =>
        expect(await upgradeStatus({ authorization: `Bearer ${blocked.token}` })).toBe(403),
      );

      const wiped = await newDevice('wiped');
      await expectUsable(wiped.client, wiped.accountId);
      const wipeCommand = wiped.client.waitFor((message) => message['@type'] === 'DeviceWipe', 10_000);
      const wipe = await fetch(
        `${suite.platform.registryUrl}/admin/accounts/${wiped.accountId}/devices/${wiped.deviceId}/wipe`,
        {
          method: 'POST',
          headers: adminHeaders,
          body: JSON.stringify({ kind: 'full', requestedBy: 'tests' }),
        },
      );
      expect(wipe.status).toBe(202);
      const command = await wipeCommand;
      const [confirmed] = await wiped.client.request(
        [['DeviceWipe/confirm', { accountId: wiped.accountId, wipeId: command['wipeId'] }, 'w']],
        [...USING, DEVICE_CAPABILITY],
      );
      expect(confirmed).toEqual(['DeviceWipe/confirm', expect.objectContaining({ confirmed: true }), 'w']);
      await wiped.client.waitForClose(5000);
      await expectEventually(async () =>
        expect(await upgradeStatus({ authorization: `Bearer ${wiped.token}` })).toBe(401),
      );
      expect((await post(wiped.token, body)).status).toBe(401);
      await expectPushDeliveryUp();
    });
  });
});

/**
 * A POST whose answer may come before the body is sent (the server refuses an oversized body early
 * and closes): the reply counts, a failed write of the rest does not.
 */
/** Posts a body the server answers before it has read it all. */
function postAnsweredEarly(
  url: string,
  token: string,
  body: Buffer,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      reject(new Error('no answer within 15 s'));
    }, 15_000);
    request.on('close', () => clearTimeout(timer));
    request.on('error', reject);
    request.end(body);
  });
}

import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { listenWithOwnDatabase, type ServiceWithDatabase } from '@pushmail/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryService } from '../service.js';
import { failureDelayMs, SignIn } from './sign-in.service.js';

const ADMIN_TOKEN = `int-admin-${randomBytes(24).toString('base64url')}`;
const PASSWORD = 'correct horse battery';
// Large enough that the growing delay of a real address would stand out from hashing noise.
const FAILURE_DELAY_MS = 100;
const THRESHOLD = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

describe(SignIn.name, () => {
  let service: ServiceWithDatabase;
  let baseUrl: string;

  beforeAll(async () => {
    service = await listenWithOwnDatabase(registryService, {
      ADMIN_TOKEN,
      SIGN_IN_FAILURE_DELAY_MS: String(FAILURE_DELAY_MS),
      SIGN_IN_LOCKOUT_THRESHOLD: String(THRESHOLD),
    });
    ({ baseUrl } = service);
  });

  afterAll(async () => {
    await service?.close();
  });

  async function createAccount(): Promise<string> {
    const address = `known-${randomUUID()}@example.org`;
    const response = await fetch(`${baseUrl}/admin/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ address, password: PASSWORD }),
    });
    expect(response.status).toBe(201);
    return address;
  }

  async function signIn(
    address: string,
    password: string,
  ): Promise<{ status: number; ms: number; body: Record<string, unknown>; retryAfter: string | null }> {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ address, password, deviceId: 'probe', deviceType: 'phone', model: 'Probe' }),
    });
    const body = (await response.json()) as Record<string, unknown>;
    return {
      status: response.status,
      ms: performance.now() - started,
      body,
      retryAfter: response.headers.get('retry-after'),
    };
  }

  /** What an attacker can compare: the status, the body with its time values masked, Retry-After's presence. */
  function shapeOf(answer: { status: number; body: Record<string, unknown>; retryAfter: string | null }) {
    const masked = JSON.stringify(answer.body).replace(/\d{4}-\d{2}-\d{2}T[\d:.]+Z/g, '<time>');
    return { status: answer.status, body: masked, retryAfter: answer.retryAfter !== null };
  }

  it('takes the same time for unknown and known addresses, failure after failure', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      const knownAddress = await createAccount();
      const unknownAddress = `nobody-${randomUUID()}@example.org`;
      // Interleaved, so that load on the machine falls on both alike.
      for (let attempt = 0; attempt < THRESHOLD - 1; attempt += 1) {
        const onKnown = await signIn(knownAddress, `wrong ${attempt}`);
        const onUnknown = await signIn(unknownAddress, `wrong ${attempt}`);
        expect([onKnown.status, onUnknown.status]).toEqual([401, 401]);
        // The delay a known address's nth failure is due: what is left is hashing and queries.
        // Were unknown addresses not delayed alike, theirs would come out far below.
        const due = failureDelayMs(FAILURE_DELAY_MS, attempt + 1);
        known.push(onKnown.ms - due);
        unknown.push(onUnknown.ms - due);
      }
    }

    const [knownMedian, unknownMedian] = [median(known), median(unknown)];
    // Compared pair by pair (the two tries of a pair ran back to back), so a burst of load on a shared
    // machine lengthens both sides of the pairs it falls on instead of one side's median.
    const pairedGap = median(known.map((ms, index) => ms - unknown[index]!));
    expect(
      Math.abs(pairedGap),
      `median ${knownMedian.toFixed(0)} ms beyond the due delay for known addresses, ${unknownMedian.toFixed(0)} ms for unknown ones, ${pairedGap.toFixed(0)} ms apart pair by pair`,
    ).toBeLessThan(0.25 * Math.max(Math.abs(knownMedian), Math.abs(unknownMedian)) + 25);
  });

  it('locks unknown addresses as it locks known ones, with the same answers', async () => {
    const knownAddress = await createAccount();
    const unknownAddress = `nobody-${randomUUID()}@example.org`;
    const answers: { known: ReturnType<typeof shapeOf>[]; unknown: ReturnType<typeof shapeOf>[] } = {
      known: [],
      unknown: [],
    };
    for (let attempt = 0; attempt < THRESHOLD; attempt += 1) {
      answers.known.push(shapeOf(await signIn(knownAddress, `wrong ${attempt}`)));
      answers.unknown.push(shapeOf(await signIn(unknownAddress, `wrong ${attempt}`)));
    }
    // Locked: even the right password of the real address is refused, like any for the unknown one.
    answers.known.push(shapeOf(await signIn(knownAddress, PASSWORD)));
    answers.unknown.push(shapeOf(await signIn(unknownAddress, PASSWORD)));

    expect(answers.known.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 429, 429]);
    expect(answers.unknown).toEqual(answers.known);
    expect(answers.unknown.at(-1)).toMatchObject({
      retryAfter: true,
      body: expect.stringContaining('account_locked'),
    });
  });
});

import { describe, expect, it } from 'vitest';
import { cachedResolver } from './cached-resolver.js';

function dnsError(code: string): Error {
  return Object.assign(new Error(`query failed: ${code}`), { code });
}

/** A resolver that counts its queries and answers from a table that the test may change. */
function countingResolver(zone: Map<string, string[][] | Error>) {
  const queries: string[] = [];
  const pending: (() => void)[] = [];
  let held = false;
  const resolve = (name: string, rrtype: string): Promise<string[][] | string[]> => {
    queries.push(`${rrtype} ${name}`);
    const answer = zone.get(`${rrtype} ${name.toLowerCase()}`) ?? dnsError('ENOTFOUND');
    const settle = () => (answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer));
    if (!held) return settle();
    return new Promise<void>((release) => pending.push(release)).then(settle);
  };
  return {
    resolve,
    queries,
    hold: () => (held = true),
    release: () => {
      held = false;
      for (const release of pending.splice(0)) release();
    },
  };
}

function setup(zone: Map<string, string[][] | Error>) {
  let clock = 1_000_000;
  const upstream = countingResolver(zone);
  const resolver = cachedResolver(upstream.resolve, {
    ttlMs: 300_000,
    negativeTtlMs: 60_000,
    maxEntries: 3,
    now: () => clock,
  });
  return { upstream, resolver, advance: (ms: number) => (clock += ms) };
}

describe(cachedResolver.name, () => {
  it('reuses an answer until its time is up, then asks again', async () => {
    const zone = new Map<string, string[][] | Error>([['TXT example.org', [['v=spf1 -all']]]]);
    const { upstream, resolver, advance } = setup(zone);
    expect(await resolver('example.org', 'TXT')).toEqual([['v=spf1 -all']]);
    zone.set('TXT example.org', [['v=spf1 ip4:192.0.2.1 -all']]);
    advance(299_000);
    expect(await resolver('Example.ORG', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(upstream.queries).toEqual(['TXT example.org']);
    advance(2_000);
    expect(await resolver('example.org', 'TXT')).toEqual([['v=spf1 ip4:192.0.2.1 -all']]);
    expect(upstream.queries).toHaveLength(2);
  });

  it('lets concurrent lookups of one name share one query', async () => {
    const { upstream, resolver } = setup(new Map([['TXT _dmarc.example.org', [['v=DMARC1; p=none']]]]));
    upstream.hold();
    const answers = Array.from({ length: 20 }, () => resolver('_dmarc.example.org', 'TXT'));
    upstream.release();
    expect(await Promise.all(answers)).toEqual(Array(20).fill([['v=DMARC1; p=none']]));
    expect(upstream.queries).toEqual(['TXT _dmarc.example.org']);
  });

  it('remembers "no such record" for the shorter negative time, with its error code', async () => {
    const { upstream, resolver, advance } = setup(new Map([['TXT nodata.example', dnsError('ENODATA')]]));
    await expect(resolver('missing.example', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    await expect(resolver('nodata.example', 'TXT')).rejects.toMatchObject({ code: 'ENODATA' });
    advance(59_000);
    await expect(resolver('missing.example', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(upstream.queries).toHaveLength(2);
    advance(2_000);
    await expect(resolver('missing.example', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(upstream.queries).toHaveLength(3);
  });

  it('never remembers a timeout or a server failure', async () => {
    const zone = new Map<string, string[][] | Error>([['TXT flaky.example', dnsError('ETIMEOUT')]]);
    const { upstream, resolver } = setup(zone);
    await expect(resolver('flaky.example', 'TXT')).rejects.toMatchObject({ code: 'ETIMEOUT' });
    zone.set('TXT flaky.example', dnsError('ESERVFAIL'));
    await expect(resolver('flaky.example', 'TXT')).rejects.toMatchObject({ code: 'ESERVFAIL' });
    zone.set('TXT flaky.example', [['v=spf1 -all']]);
    expect(await resolver('flaky.example', 'TXT')).toEqual([['v=spf1 -all']]);
    expect(upstream.queries).toHaveLength(3);
  });

  it('keeps record types apart and holds at most maxEntries names, dropping the oldest', async () => {
    const zone = new Map<string, string[][] | Error>([
      ['TXT a.example', [['a']]],
      ['TXT b.example', [['b']]],
      ['TXT c.example', [['c']]],
      ['TXT d.example', [['d']]],
    ]);
    const { upstream, resolver } = setup(zone);
    await expect(resolver('a.example', 'MX')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    for (const name of ['a', 'b', 'c', 'd']) await resolver(`${name}.example`, 'TXT');
    expect(upstream.queries).toHaveLength(5);
    // MX a.example and TXT a.example were the oldest of five: both were dropped.
    await resolver('d.example', 'TXT');
    await resolver('c.example', 'TXT');
    expect(upstream.queries).toHaveLength(5);
    await resolver('a.example', 'TXT');
    expect(upstream.queries).toHaveLength(6);
  });
});

import type { MxRecord } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { outboundConfigSchema } from '../../config/outbound-config.js';
import type { DkimKeys } from '../../dkim/dkim-keys.service.js';
import { mxResolverFor } from './mx-resolver.js';
import { SmtpSender } from './smtp-sender.js';

function dnsError(code: string): Error {
  return Object.assign(new Error(`queryMx ${code}`), { code });
}

/** An upstream resolver that counts its queries and answers from a table the test may change. */
function countingMx(zone: Map<string, MxRecord[] | Error>) {
  const queries: string[] = [];
  const resolve = async (name: string): Promise<MxRecord[]> => {
    queries.push(name);
    const answer = zone.get(name) ?? dnsError('ENOTFOUND');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { resolve, queries };
}

function senderWith(zone: Map<string, MxRecord[] | Error>, cacheSeconds?: string) {
  const config = outboundConfigSchema.parse({
    KAFKA_BROKERS: '127.0.0.1:9092',
    DATABASE_URL: 'postgres://outbound@127.0.0.1:5432/outbound',
    MAIL_DOMAINS: 'pushmail.test',
    ...(cacheSeconds === undefined ? {} : { DNS_CACHE_SECONDS: cacheSeconds }),
  });
  const upstream = countingMx(zone);
  // None of these deliveries reaches a server, so nothing is signed.
  const dkim = { signingKeyFor: () => undefined } as unknown as DkimKeys;
  const sender = new SmtpSender(config, dkim, mxResolverFor(config, upstream.resolve));
  return { sender, queries: upstream.queries };
}

const raw = Buffer.from('From: a@pushmail.test\r\nSubject: hi\r\n\r\nhello\r\n');

describe(SmtpSender.name, () => {
  it('asks DNS once for a domain that does not exist, and bounces every delivery to it as permanent', async () => {
    const { sender, queries } = senderWith(new Map());
    const outcomes = await Promise.all(
      ['a', 'b', 'c'].map((user) => sender.send('a@pushmail.test', `${user}@gone.example`, raw)),
    );
    outcomes.push(await sender.send('a@pushmail.test', 'd@GONE.example', raw));
    for (const outcome of outcomes)
      expect(outcome).toEqual({
        kind: 'permanent',
        reply: '550 5.1.2 the domain gone.example does not exist',
        remoteHost: null,
      });
    expect(queries).toEqual(['gone.example']);
  });

  it('reuses a null MX answer for later deliveries to the domain', async () => {
    const { sender, queries } = senderWith(new Map([['nomail.example', [{ exchange: '', priority: 0 }]]]));
    for (const user of ['a', 'b']) {
      const outcome = await sender.send('', `${user}@nomail.example`, raw);
      expect(outcome).toMatchObject({
        kind: 'permanent',
        reply: '550 5.1.10 nomail.example accepts no mail (null MX)',
      });
    }
    expect(queries).toEqual(['nomail.example']);
  });

  it('defers on a DNS timeout and asks again on the next attempt', async () => {
    const { sender, queries } = senderWith(new Map([['slow.example', dnsError('ETIMEOUT')]]));
    for (let attempt = 0; attempt < 2; attempt++) {
      const outcome = await sender.send('a@pushmail.test', 'b@slow.example', raw);
      expect(outcome).toEqual({
        kind: 'temporary',
        reply: '451 4.4.3 MX lookup for slow.example failed (ETIMEOUT)',
        remoteHost: null,
      });
    }
    expect(queries).toEqual(['slow.example', 'slow.example']);
  });

  it('asks for every delivery with DNS_CACHE_SECONDS=0', async () => {
    const { sender, queries } = senderWith(new Map(), '0');
    await sender.send('a@pushmail.test', 'a@gone.example', raw);
    await sender.send('a@pushmail.test', 'b@gone.example', raw);
    expect(queries).toEqual(['gone.example', 'gone.example']);
  });
});

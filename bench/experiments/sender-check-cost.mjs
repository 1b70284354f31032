// ingest's CPU per message for the sender checks alone (SPF, DKIM, ARC, DMARC): each build's
// AuthenticateSender, as ingest's module makes it (the DNS cache in front of the resolver), checks
// N messages of about 4 KB, as the ingest scenario sends them, in 10 lanes. CPU is this process's
// (process.cpuUsage); the resolver answers from a zone in memory, so no lookup leaves the process and
// what is measured is the checks' own work. Message kinds (--kinds, in the order given):
//   unsigned-nodns  unsigned, from a sender domain with no DNS records at all (what the benchmark's
//                   ingest sees: bench.example is not in the public DNS, so every lookup is "no such name");
//   unsigned        unsigned, the sender domain publishing SPF (the client's address passes) and DMARC p=none;
//   signed          DKIM-signed by the sender domain (2048-bit RSA key published), SPF and DMARC as above.
// Every round runs each build once per kind, builds alternating; the medians are printed, and each
// build's Authentication-Results/Received-SPF fields for a message of each kind are compared.
//   node bench/experiments/sender-check-cost.mjs <dist A> [<dist B>] [--messages 2000] [--rounds 5]
//     [--kinds unsigned-nodns,unsigned,signed]
// Each argument is a built dist/apps/ingest inside this repository (copy an older build's there first).
import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { configuredDnsCache } from '@pushmail/platform';
import { fixtureZoneResolver } from '@pushmail/testing';
import { dkimSign } from 'mailauth';
import { buildMessage } from '../lib/messages.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    messages: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
    kinds: { type: 'string', default: 'unsigned-nodns,unsigned,signed' },
  },
});
if (positionals.length < 1 || positionals.length > 2)
  throw new Error('give one or two built dist/apps/ingest directories');
const messages = Number(values.messages);
const rounds = Number(values.rounds);
const kinds = values.kinds.split(',');
const LANES = 10;
const CLIENT = '::ffff:192.0.2.10';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
const zone = {
  'sender.example': { TXT: ['v=spf1 ip4:192.0.2.0/24 -all'] },
  '_dmarc.sender.example': { TXT: ['v=DMARC1; p=none'] },
  'sel1._domainkey.sender.example': {
    TXT: [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`],
  },
};
const resolver = configuredDnsCache(fixtureZoneResolver(zone), 300);

async function signed(raw) {
  const key = { signingDomain: 'sender.example', selector: 'sel1', privateKey: privateKeyPem };
  const { signatures, errors } = await dkimSign(raw, { ...key, signatureData: [key] });
  if (errors.length > 0) throw errors[0];
  return Buffer.concat([Buffer.from(signatures), raw]);
}

const senders = {
  'unsigned-nodns': 'sender@bench.example',
  unsigned: 'news@sender.example',
  signed: 'news@sender.example',
};
const corpus = new Map();
for (const kind of kinds) {
  const from = senders[kind];
  if (!from) throw new Error(`unknown kind ${kind}`);
  const list = [];
  for (let seq = 0; seq < messages; seq += 1) {
    const raw = Buffer.from(buildMessage({ seq, to: 'alice@hosted.test', from, sizeBytes: 4096 }));
    list.push({ raw: kind === 'signed' ? await signed(raw) : raw, mailFrom: from });
  }
  corpus.set(kind, list);
}

const builds = [];
for (const dist of positionals) {
  const url = pathToFileURL(resolve(dist, 'usecases/authenticate-sender/authenticate-sender.usecase.js'));
  const { AuthenticateSender } = await import(`${url.href}?build=${builds.length}`);
  const useCase = new AuthenticateSender({
    hostname: 'mx.hosted.test',
    resolver,
    policies: new Map(),
    defaultPolicy: 'mark',
    timeoutMs: 5000,
  });
  builds.push({ dist, useCase, perMessage: new Map(kinds.map((kind) => [kind, []])) });
}

const check = (useCase, { raw, mailFrom }) =>
  useCase.execute({
    raw,
    mailFrom,
    clientAddress: CLIENT,
    heloName: 'mail.sender.example',
    recipientDomains: ['hosted.test'],
  });

const measure = async (useCase, list) => {
  let next = 0;
  const start = process.cpuUsage();
  await Promise.all(
    Array.from({ length: LANES }, async () => {
      while (next < list.length) {
        const decision = await check(useCase, list[next++]);
        if (decision.action !== 'accept') throw new Error(`expected accept, got ${decision.action}`);
      }
    }),
  );
  const used = process.cpuUsage(start);
  return (used.user + used.system) / list.length;
};

// The same fields from every build, and a warm-up.
for (const kind of kinds) {
  const list = corpus.get(kind);
  const fields = [];
  for (const { useCase } of builds) {
    fields.push((await check(useCase, list[0])).fields);
    await measure(useCase, list);
  }
  const same = fields.every((value) => value === fields[0]);
  console.log(
    `${kind}: ${same ? 'the same fields from every build' : 'FIELDS DIFFER'}\n${fields[0].trimEnd()}`,
  );
  if (!same) for (const value of fields.slice(1)) console.log(value.trimEnd());
}

for (let round = 0; round < rounds; round += 1)
  for (const kind of kinds)
    for (const build of builds)
      build.perMessage.get(kind).push(await measure(build.useCase, corpus.get(kind)));

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
console.log(`\nCPU µs per message, ${messages} messages, ${rounds} rounds (median, then each round)`);
console.log(`| kind | ${builds.map(({ dist }) => dist).join(' | ')} |`);
console.log(`| --- | ${builds.map(() => '---').join(' | ')} |`);
for (const kind of kinds) {
  const cells = builds.map(({ perMessage }) => {
    const list = perMessage.get(kind);
    return `**${Math.round(median(list))}** (${list.map(Math.round).join(', ')})`;
  });
  console.log(`| ${kind} | ${cells.join(' | ')} |`);
}

// Writes the `.env` that docker-compose.yml reads its secrets from, with fresh random values, if
// there is none yet. The file is git-ignored and readable by its owner only; nothing secret is
// ever committed. Usage: node tools/deploy/compose-env.mjs [path, default .env]
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { generateVapidKeys } from './vapid-keys.mjs';

const path = process.argv[2] ?? '.env';
if (existsSync(path)) {
  console.log(`${path} exists, left as it is`);
  process.exit(0);
}
const secret = () => randomBytes(32).toString('base64url');
const vapid = generateVapidKeys();
const lines = [
  '# Secrets for docker compose. Keep this file out of version control.',
  `POSTGRES_PASSWORD=${secret()}`,
  '# Bearer token of the administrator API (device-registry /admin).',
  `ADMIN_TOKEN=pma_${secret()}`,
  '# Shared by push-delivery and mailbox for the internal JMAP endpoint.',
  `INTERNAL_TOKEN=${secret()}`,
  '# Web Push (VAPID, RFC 8292): push-delivery signs its pushes with this pair; keep it, devices',
  '# subscribe against the public key. A new pair: npm run webpush:vapid-keys',
  `WEBPUSH_VAPID_PUBLIC_KEY=${vapid.publicKey}`,
  `WEBPUSH_VAPID_PRIVATE_KEY=${vapid.privateKey}`,
  '# Not secret: the domains ingest accepts mail for, and where devices reach push-delivery.',
  'MAIL_DOMAINS=example.com',
  'PUSHMAIL_PUBLIC_URL=http://localhost:8080',
  '',
];
writeFileSync(path, lines.join('\n'), { mode: 0o600 });
console.log(`wrote ${path}`);

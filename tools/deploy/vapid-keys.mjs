// A fresh VAPID key pair (RFC 8292) for push-delivery's Web Push: P-256, base64url, made as the
// web-push library's generateVAPIDKeys makes it (node:crypto only, so it also runs before
// `npm ci`). Usage: npm run webpush:vapid-keys [-- --env | --json]
//   (none)  the two compose/.env variables, WEBPUSH_VAPID_PUBLIC_KEY=... and WEBPUSH_VAPID_PRIVATE_KEY=...
//   --env   the two keys of the Kubernetes Secret `pushmail-secrets`, for --from-env-file
//   --json  {"publicKey": ..., "privateKey": ...}
import { createECDH } from 'node:crypto';
import { fileURLToPath } from 'node:url';

/** `publicKey`: the uncompressed point (65 bytes); `privateKey`: the scalar (32 bytes). */
export function generateVapidKeys() {
  const curve = createECDH('prime256v1');
  curve.generateKeys();
  // The scalar may have leading zero bytes, which getPrivateKey leaves out.
  const privateKey = Buffer.alloc(32);
  const scalar = curve.getPrivateKey();
  scalar.copy(privateKey, 32 - scalar.length);
  return {
    publicKey: curve.getPublicKey(null, 'uncompressed').toString('base64url'),
    privateKey: privateKey.toString('base64url'),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const keys = generateVapidKeys();
  const format = process.argv[2] ?? '--compose';
  if (format === '--json') console.log(JSON.stringify(keys));
  else if (format === '--env')
    console.log(`webpush-vapid-public-key=${keys.publicKey}\nwebpush-vapid-private-key=${keys.privateKey}`);
  else if (format === '--compose')
    console.log(`WEBPUSH_VAPID_PUBLIC_KEY=${keys.publicKey}\nWEBPUSH_VAPID_PRIVATE_KEY=${keys.privateKey}`);
  else {
    console.error(`unknown option ${format}: use --env or --json`);
    process.exit(2);
  }
}

import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One push message as the receiver saw it, decrypted and with its VAPID token checked. */
export interface ReceivedPush {
  path: string;
  headers: IncomingHttpHeaders;
  /** The plaintext: decrypted (RFC 8291) when the message was `aes128gcm`, else the body as sent. */
  text: string;
  /** The VAPID JWT's claims (RFC 8292), once its ES256 signature verified against `k`. */
  vapid: { claims: Record<string, unknown>; publicKey: string } | undefined;
  /** Why the VAPID token or the decryption failed, if either did. */
  problem?: string;
}

function hmac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/**
 * A push service and user agent in one, on loopback, as a test needs it: it hands out subscription
 * keys (P-256 key pair and auth secret), accepts push messages, decrypts them with its private key
 * as RFC 8291 says (aes128gcm, RFC 8188), and verifies their VAPID authorisation (RFC 8292).
 */
export class WebPushReceiver {
  readonly received: ReceivedPush[] = [];
  /** The status the next messages are answered with (201 as a push service does; 410 when gone). */
  status = 201;
  private readonly ecdh = createECDH('prime256v1');
  private readonly authSecret = randomBytes(16);

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebPushReceiver> {
    // The handler needs the receiver, which needs the server's address.
    const holder: { receiver?: WebPushReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        holder.receiver?.accept(request.url ?? '/', request.headers, Buffer.concat(chunks));
        response.writeHead(holder.receiver?.status ?? 201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new WebPushReceiver(server, `http://127.0.0.1:${port}`);
    receiver.ecdh.generateKeys();
    holder.receiver = receiver;
    return receiver;
  }

  /** The `keys` of a PushSubscription (RFC 8620 §7.2) for this receiver. */
  get keys(): { p256dh: string; auth: string } {
    return {
      p256dh: this.ecdh.getPublicKey().toString('base64url'),
      auth: this.authSecret.toString('base64url'),
    };
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(path: string, headers: IncomingHttpHeaders, body: Buffer): void {
    const push: ReceivedPush = { path, headers, text: body.toString('utf8'), vapid: undefined };
    try {
      push.vapid = verifyVapid(headers['authorization']);
      if (headers['content-encoding'] === 'aes128gcm') push.text = this.decrypt(body).toString('utf8');
    } catch (error) {
      push.problem = error instanceof Error ? error.message : String(error);
    }
    this.received.push(push);
  }

  /** RFC 8291 §3.4 and RFC 8188 §2: one record, as a push message of a few kilobytes is. */
  private decrypt(body: Buffer): Buffer {
    const salt = body.subarray(0, 16);
    const idLength = body[20]!;
    const senderPublic = body.subarray(21, 21 + idLength);
    const ciphertext = body.subarray(21 + idLength);
    const ecdhSecret = this.ecdh.computeSecret(senderPublic);
    const keyInfo = Buffer.concat([
      Buffer.from('WebPush: info\0'),
      this.ecdh.getPublicKey(),
      senderPublic,
      Buffer.from([1]),
    ]);
    const ikm = hmac(hmac(this.authSecret, ecdhSecret), keyInfo);
    const prk = hmac(salt, ikm);
    const cek = hmac(prk, Buffer.from('Content-Encoding: aes128gcm\0\x01', 'binary')).subarray(0, 16);
    const nonce = hmac(prk, Buffer.from('Content-Encoding: nonce\0\x01', 'binary')).subarray(0, 12);
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
    const padded = Buffer.concat([
      decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
      decipher.final(),
    ]);
    // The last record ends with the delimiter 2 and then zero padding.
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end -= 1;
    if (padded[end] !== 2) throw new Error('the record has no last-record delimiter');
    return padded.subarray(0, end);
  }
}

/** `vapid t=<JWT>, k=<public key>` (RFC 8292 §3): the token's ES256 signature checked against k. */
function verifyVapid(
  authorization: string | undefined,
): { claims: Record<string, unknown>; publicKey: string } | undefined {
  if (!authorization) return undefined;
  const token = /(?:^|[\s,])t=([^,\s]+)/.exec(authorization)?.[1];
  const publicKey = /(?:^|[\s,])k=([^,\s]+)/.exec(authorization)?.[1];
  if (!/^vapid /i.test(authorization) || !token || !publicKey) throw new Error('not a VAPID authorization');
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw new Error('the VAPID token is not a JWT');
  const point = Buffer.from(publicKey, 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const valid = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!valid) throw new Error('the VAPID signature does not verify');
  return {
    claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
    publicKey,
  };
}

/** A fresh VAPID key pair (P-256, base64url): the uncompressed public point and the 32-byte scalar. */
export function generateVapidKeys(): { publicKey: string; privateKey: string };

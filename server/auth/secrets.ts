import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, base64url: session ids, CSRF tokens, one-time links and the secret half of API tokens. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Secrets we generate have 256 bits of entropy, so a fast hash is enough to store them: nobody can
 * brute-force the preimage, and a stolen database yields no usable session or token.
 */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

/**
 * API tokens read `slu_<id>_<secret>`: the id finds the row (and names the token in lists and the audit
 * log), the secret is only ever stored hashed. The prefix makes leaked tokens easy to grep for.
 */
export function newApiToken(): { id: string; token: string; secretHash: string } {
  const id = randomBytes(6).toString('hex');
  const secret = randomSecret();
  return { id, token: `slu_${id}_${secret}`, secretHash: sha256(secret) };
}

export function parseApiToken(token: string): { id: string; secret: string } | null {
  const m = /^slu_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : null;
}

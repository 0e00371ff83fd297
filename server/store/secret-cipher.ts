import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

/** One secret value sealed with AES-256-GCM: a fresh random nonce per write, ciphertext followed by the tag. */
export interface Sealed {
  nonce: Buffer;
  sealed: Buffer;
}

/**
 * The name is the additional authenticated data: a row copied under another name (or renamed in the
 * database by hand) fails authentication instead of handing one secret's value to another reference.
 */
function aad(name: string): Buffer {
  return Buffer.from(`sluice-secret\u0000${name}`, 'utf8');
}

export function seal(key: Buffer, name: string, value: string): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(name));
  const sealed = Buffer.concat([cipher.update(value, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

/** Throws when the key is wrong or the row was altered; the caller names the secret, never the value. */
export function unseal(key: Buffer, name: string, { nonce, sealed }: Sealed): string {
  if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) throw new Error('the stored row is truncated');
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad(name));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}

/**
 * A short public fingerprint of a key, stored with every row: it tells "this row was written with another
 * key" apart from "this row was tampered with", and reveals nothing usable about the key.
 */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('sluice secrets key id\u0000').update(key).digest('hex').slice(0, 16);
}

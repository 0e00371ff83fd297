import type { Database as Db } from 'better-sqlite3';
import type { SecretSource } from '../core/secrets.js';
import { keyId, seal, unseal } from './secret-cipher.js';
import type { SecretsKey } from './secrets-key.js';

interface SealedRow { name: string; key_id: string; nonce: Buffer; sealed: Buffer }

/** A secret that cannot be decrypted: the message names the secret and the key, never a value. */
export class SecretDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptError';
  }
}

/**
 * Named secrets resolved at deploy, in the data directory's database, each value sealed with AES-256-GCM
 * under the secrets key (see `secret-cipher.ts`). Values are write-only through the API and never exported.
 * Opening checks that every stored secret decrypts with the key, so a wrong key stops the server at start
 * with the secret's name instead of failing deploys later.
 */
export class SecretStore implements SecretSource {
  /** How many plaintext rows of an earlier version this open encrypted. */
  readonly migrated: number;

  constructor(private readonly db: Db, private key: SecretsKey, private readonly fallback: SecretSource) {
    this.migrated = migratePlaintext(db, key);
    db.exec(`CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, key_id TEXT NOT NULL, nonce BLOB NOT NULL,
      sealed BLOB NOT NULL, updated_at INTEGER NOT NULL)`);
    for (const row of this.rows()) this.decrypt(row);
  }

  get(kind: 'secret' | 'env', name: string): string | undefined {
    if (kind === 'secret') {
      const row = this.db.prepare(`SELECT name, key_id, nonce, sealed FROM secrets WHERE name = ?`).get(name) as SealedRow | undefined;
      if (row) return this.decrypt(row);
    }
    return this.fallback.get(kind, name);
  }

  set(name: string, value: string): void {
    const { nonce, sealed } = seal(this.key.key, name, value);
    this.db.prepare(`INSERT INTO secrets (name, key_id, nonce, sealed, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce, sealed = excluded.sealed,
      updated_at = excluded.updated_at`).run(name, this.key.id, nonce, sealed, Date.now());
  }

  names(): string[] {
    return (this.db.prepare(`SELECT name FROM secrets ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  }

  /** Every stored value, for the redactor: what the server knows must never leave it. */
  values(): string[] {
    return this.rows().map((row) => this.decrypt(row));
  }

  /**
   * Re-encrypts every secret under `next` in one transaction (all or nothing), overwriting the freed
   * pages so the rows sealed with the old key do not linger in the file. The caller stores `next` durably
   * before this runs, so a crash in between leaves a store that one of the two keys opens.
   */
  rotate(next: SecretsKey): number {
    const rows = this.rows();
    const plain = rows.map((row) => ({ name: row.name, value: this.decrypt(row) }));
    withSecureDelete(this.db, () => {
      const update = this.db.prepare(`UPDATE secrets SET key_id = ?, nonce = ?, sealed = ? WHERE name = ?`);
      this.db.transaction(() => {
        for (const { name, value } of plain) {
          const { nonce, sealed } = seal(next.key, name, value);
          update.run(next.id, nonce, sealed, name);
        }
      })();
    });
    this.key = next;
    return rows.length;
  }

  private rows(): SealedRow[] {
    return this.db.prepare(`SELECT name, key_id, nonce, sealed FROM secrets ORDER BY name`).all() as SealedRow[];
  }

  private decrypt(row: SealedRow): string {
    if (row.key_id !== this.key.id) {
      throw new SecretDecryptError(`secret "${row.name}" was encrypted with another key (id ${row.key_id}) than the one from ${this.key.origin} (id ${this.key.id}): start with the key the secrets were stored with`);
    }
    try {
      return unseal(this.key.key, row.name, { nonce: row.nonce, sealed: row.sealed });
    } catch (err) {
      throw new SecretDecryptError(`secret "${row.name}" cannot be decrypted with the key from ${this.key.origin} (${(err as Error).message}): the stored row was altered or belongs to another name`);
    }
  }
}

/**
 * Earlier versions kept `secrets(name, value, updated_at)` in plaintext. The rows are sealed into the new
 * table in one transaction; secure_delete zeroes the freed pages and the WAL is checkpointed and truncated,
 * so the plaintext does not survive in free pages of the file.
 */
function migratePlaintext(db: Db, key: SecretsKey): number {
  const columns = (db.prepare(`PRAGMA table_info(secrets)`).all() as { name: string }[]).map((c) => c.name);
  if (!columns.includes('value')) return 0;
  let count = 0;
  withSecureDelete(db, () => {
    db.transaction(() => {
      db.exec(`CREATE TABLE secrets_sealed (name TEXT PRIMARY KEY, key_id TEXT NOT NULL, nonce BLOB NOT NULL,
        sealed BLOB NOT NULL, updated_at INTEGER NOT NULL)`);
      const insert = db.prepare(`INSERT INTO secrets_sealed (name, key_id, nonce, sealed, updated_at) VALUES (?, ?, ?, ?, ?)`);
      const rows = db.prepare(`SELECT name, value, updated_at FROM secrets`).all() as { name: string; value: string; updated_at: number }[];
      for (const row of rows) {
        const { nonce, sealed } = seal(key.key, row.name, row.value);
        insert.run(row.name, keyId(key.key), nonce, sealed, row.updated_at);
      }
      db.exec(`DROP TABLE secrets; ALTER TABLE secrets_sealed RENAME TO secrets`);
      count = rows.length;
    })();
  });
  return count;
}

function withSecureDelete(db: Db, work: () => void): void {
  const before = db.pragma('secure_delete', { simple: true }) as number;
  db.pragma('secure_delete = ON');
  try {
    work();
    // Old pages also live in WAL frames until a checkpoint: copy the zeroed pages back and empty the WAL.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.pragma(`secure_delete = ${before ? 'ON' : 'OFF'}`);
  }
}

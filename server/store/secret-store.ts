import type { Database as Db } from 'better-sqlite3';
import type { SecretSource } from '../core/secrets.js';

/**
 * Named secrets resolved at deploy. Values are write-only through the API and never exported.
 * Stored in the data directory's database; encryption at rest comes with access control.
 */
export class SecretStore implements SecretSource {
  constructor(private readonly db: Db, private readonly fallback: SecretSource) {
    db.exec(`CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)`);
  }

  get(kind: 'secret' | 'env', name: string): string | undefined {
    if (kind === 'secret') {
      const row = this.db.prepare(`SELECT value FROM secrets WHERE name = ?`).get(name) as { value: string } | undefined;
      if (row) return row.value;
    }
    return this.fallback.get(kind, name);
  }

  set(name: string, value: string): void {
    this.db.prepare(`INSERT INTO secrets (name, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`).run(name, value, Date.now());
  }

  names(): string[] {
    return (this.db.prepare(`SELECT name FROM secrets ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  }
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

export interface PgSchema {
  name: string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
}

/**
 * A schema of its own in the real PostgreSQL at 127.0.0.1:5432, dropped after the test, so tests
 * running at the same time never see each other's tables.
 */
export async function pgSchema(t: { after(fn: () => Promise<void>): void }): Promise<PgSchema> {
  const name = `sluice_test_${randomBytes(4).toString('hex')}`;
  const pool = new pg.Pool({ ...PG, max: 2 });
  await pool.query(`CREATE SCHEMA ${name}`);
  t.after(async () => {
    await pool.query(`DROP SCHEMA ${name} CASCADE`);
    await pool.end();
  });
  return { name, query: async (sql, params) => (await pool.query(sql, params)).rows };
}

/** Rows in the schema's `readings` table keyed by `seq`, and how many distinct keys (0 before the sink created it). */
export async function storedSeqs(db: PgSchema): Promise<{ rows: number; distinct: number }> {
  const [exists] = await db.query(`SELECT to_regclass($1) IS NOT NULL AS yes`, [`${db.name}.readings`]);
  if (!exists!.yes) return { rows: 0, distinct: 0 };
  const [r] = await db.query<{ rows: number; distinct: number }>(`SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS distinct FROM ${db.name}.readings`);
  return r!;
}

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PostgresConfig } from './config.js';
import { copyLine, describe, isRowError, isUniqueViolation } from './errors.js';
import { quoteIdent } from './identifiers.js';
import type { Rejected, Row } from './rows.js';
import { qualified } from './table.js';

const STAGE = 'pg_temp.sluice_stage';

/**
 * Writes rows into one table, idempotently by key. The first try is a plain COPY into the table,
 * the fastest path; a unique violation means some rows are already stored (a replay after a crash),
 * and the batch is merged instead: COPY into a temporary table, then INSERT … ON CONFLICT, in one
 * transaction. A row PostgreSQL refuses (bad value, CHECK) is found by COPY's line number, set aside
 * and the rest written again.
 */
export class TableWriter {
  private readonly columns: string;
  private readonly conflict: string;

  constructor(private readonly config: PostgresConfig) {
    this.columns = config.columns.map((c) => quoteIdent(c.name)).join(', ');
    const key = new Set(config.key);
    const others = config.columns.filter((c) => !key.has(c.name)).map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`);
    const target = `(${config.key.map(quoteIdent).join(', ')})`;
    this.conflict = config.key.length === 0 ? ''
      : config.onConflict === 'update' && others.length ? ` ON CONFLICT ${target} DO UPDATE SET ${others.join(', ')}`
        : ` ON CONFLICT ${target} DO NOTHING`;
  }

  async write(client: PoolClient, table: string, rows: Row[]): Promise<Rejected[]> {
    const target = qualified(this.config.schema, table);
    const rejected: Rejected[] = [];
    let pending = rows;
    // update mode must overwrite stored rows, which a plain COPY never does.
    let merge = this.config.onConflict === 'update' && this.config.key.length > 0;
    while (pending.length > 0) {
      try {
        if (merge) await this.merge(client, target, pending);
        else await this.copy(client, target, pending);
        break;
      } catch (err) {
        if (!merge && this.config.key.length > 0 && isUniqueViolation(err)) {
          merge = true;
          continue;
        }
        const line = isRowError(err) ? copyLine(err) : undefined;
        if (line === undefined || line > pending.length) throw err;
        rejected.push({ record: pending[line - 1]!.record, reason: `PostgreSQL refused the row: ${describe(err)}` });
        pending = pending.filter((_, i) => i !== line - 1);
      }
    }
    return rejected;
  }

  private async copy(client: PoolClient, into: string, rows: Row[]): Promise<void> {
    let payload = '';
    for (const row of rows) payload += `${row.line}\n`;
    const stream = client.query(copyFrom(`COPY ${into} (${this.columns}) FROM STDIN`));
    await pipeline(Readable.from([payload]), stream);
  }

  private async merge(client: PoolClient, target: string, rows: Row[]): Promise<void> {
    await client.query('BEGIN');
    try {
      // Constraints come along so that a bad row fails the COPY, with its line number.
      await client.query(`CREATE TEMP TABLE sluice_stage (LIKE ${target} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) ON COMMIT DROP`);
      await this.copy(client, STAGE, rows);
      await client.query(`INSERT INTO ${target} (${this.columns}) SELECT ${this.columns} FROM ${STAGE}${this.conflict}`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
        // The connection is gone; the caller destroys the client and reports the original error.
        (err as { rollbackError?: unknown }).rollbackError = rollbackErr;
      });
      throw err;
    }
  }
}

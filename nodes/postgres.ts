import type { PoolClient } from 'pg';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, DataRecord, Outputs } from '../server/core/types.js';
import { isUnavailable } from '../server/core/failure.js';
import { postgresConfig, type PostgresConfig } from './postgres/config.js';
import { classify, describe } from './postgres/errors.js';
import { compileTableTemplate, identifierProblem } from './lib/table-template.js';
import { POSTGRES_IDENTIFIERS } from './postgres/identifiers.js';
import { rowPlanner } from './postgres/rows.js';
import { ensureTable } from './postgres/table.js';

function check(config: PostgresConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, number>();
  config.columns.forEach((c, i) => {
    const bad = identifierProblem(c.name, POSTGRES_IDENTIFIERS);
    if (bad) problems.push({ path: `/columns/${i}/name`, message: `column name ${bad}` });
    if (names.has(c.name)) problems.push({ path: `/columns/${i}/name`, message: `column "${c.name}" is listed twice` });
    names.set(c.name, i);
    if (c.unit !== undefined && c.type !== 'timestamptz') problems.push({ path: `/columns/${i}/unit`, message: `unit applies to timestamptz columns only, "${c.name}" is ${c.type}` });
  });
  config.key.forEach((k, i) => {
    if (!names.has(k)) problems.push({ path: `/key/${i}`, message: `key column "${k}" is not one of the columns: ${[...names.keys()].join(', ')}` });
  });
  const schemaProblem = identifierProblem(config.schema, POSTGRES_IDENTIFIERS);
  if (schemaProblem) problems.push({ path: '/schema', message: `schema name ${schemaProblem}` });
  try {
    compileTableTemplate(config.table, POSTGRES_IDENTIFIERS);
  } catch (err) {
    problems.push({ path: '/table', message: (err as Error).message });
  }
  const h = config.hypertable;
  if (h.mode !== 'off') {
    const time = names.has(h.timeColumn) ? config.columns[names.get(h.timeColumn)!]! : undefined;
    if (!time || time.type !== 'timestamptz') problems.push({ path: '/hypertable/timeColumn', message: `the hypertable's time column "${h.timeColumn}" must be one of the columns, of type timestamptz` });
    if (config.key.length > 0 && !config.key.includes(h.timeColumn)) problems.push({ path: '/key', message: `TimescaleDB requires the key of a hypertable to include its time column "${h.timeColumn}"` });
  }
  return problems;
}

export default defineNode({
  type: 'postgres',
  category: 'sink',
  label: 'PostgreSQL',
  inputs: { in: 'records to store, one row each' },
  outputs: {},
  config: postgresConfig,
  check,
  // Outages are retried until PostgreSQL is back whatever the policy; these attempts are for other errors.
  retry: { maxAttempts: 5, backoffMs: 500, maxBackoffMs: 5_000 },
  docs: `Writes records into a PostgreSQL (or TimescaleDB) table with \`COPY\`, one row per record.

**Columns**: \`columns\` maps record fields (dotted paths) to typed columns: \`text\`, \`double precision\`,
\`real\`, \`bigint\`, \`integer\`, \`smallint\`, \`numeric\`, \`boolean\`, \`timestamptz\` (epoch numbers in \`unit\`,
default ms, or ISO 8601 strings; microsecond precision is kept), \`jsonb\` (any JSON value) and \`uuid\`.
\`table\` may be templated from fields: \`readings_{site}\`. Names are quoted, so case and unicode are kept.

**Exactly-once effect**: with a \`key\` (e.g. \`["ts", "sensor"]\`) every row is written once however often
the journal replays it after a crash or an outage. Batches go in with a plain \`COPY\`; when it meets a key
already stored (a replay), the batch is merged instead (\`COPY\` into a temporary table, then
\`INSERT … ON CONFLICT\` in one transaction): \`onConflict: "nothing"\` keeps the stored row, \`"update"\`
overwrites its other columns. Within a batch a key is written once (first record for \`nothing\`, last for
\`update\`). Without a key, delivery is at-least-once: a replay can store a row twice.

**Acknowledgement**: a batch counts as done only after PostgreSQL committed it.

**Errors**: a record that cannot be stored — a missing key field, a value of the wrong type, a value
PostgreSQL refuses (reported with its SQLSTATE), a table name it cannot hold — leaves by \`error\` with the
column and the reason (kept as a dead letter when \`error\` is not wired); the rest of the batch is written.
When PostgreSQL is unreachable (refused or dropped connections, restart, statement timeout) the batch is
retried until it is back: the journal keeps accepting, nothing is lost, and the node's status shows the
outage and its cause.

**Tables**: \`createTable\` creates a missing table with the key as primary key (and a TimescaleDB
hypertable when \`hypertable.mode\` is \`auto\` and the extension is installed, or \`require\`). An existing
table is checked at deploy (fixed table names) or before its first write (templated ones): a missing or
incompatible column, a NOT NULL column the node does not write, or no unique index on exactly the key
fails the deploy with every difference named. An unreachable database does not fail the deploy.

Example: \`{ "table": "readings", "key": ["ts", "sensor"], "columns": [
{ "name": "ts", "type": "timestamptz" }, { "name": "sensor", "type": "text" },
{ "name": "value", "type": "double precision" }, { "name": "region", "type": "text" } ] }\``,

  async create(config, ctx) {
    // pg is loaded by the first PostgreSQL node deployed: a runtime without one does not carry it in memory.
    const [{ createPool }, { TableWriter }] = await Promise.all([import('./postgres/pool.js'), import('./postgres/writer.js')]);
    const pool = createPool(config, (err) => ctx.log.warn('an idle PostgreSQL connection failed', { error: describe(err) }));
    const plan = rowPlanner(config);
    const writer = new TableWriter(config);
    const ready = new Set<string>();
    const log = (msg: string) => ctx.log.info(msg);

    async function withClient<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
      let client: PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw classify(err);
      }
      // pg emits a dropped connection on the checked-out client as well as failing its query; without
      // a listener that event would crash the process.
      let dropped: Error | undefined;
      const onError = (err: Error) => { dropped = err; };
      client.on('error', onError);
      try {
        const result = await fn(client);
        if (dropped) throw dropped;
        client.removeListener('error', onError);
        client.release();
        return result;
      } catch (err) {
        const classified = classify(err);
        const broken = dropped ?? (isUnavailable(classified) ? classified : undefined);
        // A broken client is destroyed, not pooled; its listener stays to absorb the socket's last errors.
        if (!broken) client.removeListener('error', onError);
        client.release(broken);
        throw classified;
      }
    }

    async function prepare(client: PoolClient, table: string): Promise<void> {
      if (ready.has(table)) return;
      await ensureTable(client, config, table, log);
      ready.add(table);
    }

    return {
      async start() {
        if (compileTableTemplate(config.table, POSTGRES_IDENTIFIERS).fixed === undefined) return;
        try {
          await withClient((client) => prepare(client, config.table));
        } catch (err) {
          if (!isUnavailable(err)) throw err;
          // Deploying while the database is down is allowed: the table is checked before the first write.
          ctx.status({ state: 'reconnecting', text: (err as Error).message });
          ctx.log.warn('PostgreSQL is unreachable at start; the table is checked before the first write', { error: (err as Error).message });
        }
      },
      async process(batch, meta): Promise<Outputs | undefined> {
        const { tables, rejected } = plan(batch);
        for (const [table, rows] of tables) {
          rejected.push(...await withClient(async (client) => {
            await prepare(client, table);
            return writer.write(client, table, rows);
          }));
        }
        if (rejected.length === 0) return undefined;
        return { error: rejected.map((r): DataRecord => ({ record: r.record, error: r.reason, node: ctx.nodeId, offset: meta.offset })) };
      },
      async stop() {
        await pool.end();
      },
    };
  },
});

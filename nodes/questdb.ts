import { defineNode } from '../server/core/define-node.js';
import type { Batch, DataRecord, Outputs } from '../server/core/types.js';
import { compileTableTemplate, mapColumns, TemplateError } from './lib/table-template.js';
import { checkConfig, dedupKeysOf, QUESTDB_TABLES, questdbConfig } from './questdb/config.js';
import { deliverRows, TableRows } from './questdb/deliver.js';
import { execClient, Unreachable } from './questdb/exec-client.js';
import { QuestDbHttp } from './questdb/http.js';
import { RowError, rowEncoder } from './questdb/ilp-writer.js';
import { BufferPool } from './questdb/line-buffer.js';
import { SchemaMismatch, TableGuard } from './questdb/table-schema.js';
import { writeTransport } from './questdb/transport.js';

export default defineNode({
  type: 'questdb',
  category: 'sink',
  label: 'QuestDB',
  inputs: { in: 'records to write, one row each' },
  outputs: {},
  config: questdbConfig,
  check: checkConfig,
  // Outages are waited out: the journal holds the backlog, so keep trying for about an hour.
  // Outages (refused connections, 5xx) are retried until QuestDB is back whatever the policy.
  retry: { maxAttempts: 5, backoffMs: 250, maxBackoffMs: 5_000, jitter: 0.2 },
  docs: `Writes records to QuestDB over HTTP (InfluxDB line protocol, \`POST /write\`): one row per record.

**Config.** \`address\` (\`http://host:9000\` or \`https://…\` with \`tlsVerify\`/\`tlsCa\`), credentials as secret
references (\`token\`, or \`username\` + \`password\`: \`"\${secret:questdb_password}"\`), \`table\` (a name or a
template filled from record fields: \`readings_{region}\`; a value may hold letters, digits and _),
\`columns\` with their types (\`symbol\`, \`double\`, \`long\`, \`boolean\`, \`varchar\`, \`timestamp\`), \`fields\` to read a
column from another field (\`{ "temp": "payload.t" }\`), and the designated \`timestamp\` (\`field\`, \`column\`, \`unit\`
s/ms/us/ns; ISO 8601 strings are accepted). Fields that are not columns are not written.

**Exactly once.** Before the first write to a table the node checks it with \`SHOW COLUMNS\`; with \`createTable\`
it creates a missing table with \`WAL\`, \`PARTITION BY\` and \`DEDUP UPSERT KEYS(ts, dedupKeys…)\` (by default
every symbol column; add a sequence number when one sensor can send two readings with the same time), so rows that
a retry or a replay after a crash sends again replace themselves. A table that exists with other column types,
another designated timestamp or weaker dedup keys fails the deploy with every difference named (the running
revision stays); a database that is merely unreachable does not: the check then runs when it is back.

**Delivery.** Each batch is written before the node takes the next: in requests of at most \`autoFlushRows\` rows
(each request is one QuestDB transaction, one table), \`maxInFlight\` at a time, and the batch counts as done only
when QuestDB acknowledged every request (204). Interval flushing is not needed: nothing waits in a buffer
between batches. Connection errors, timeouts (\`requestTimeoutMs\`) and 5xx are an outage: retried until QuestDB
is back, however long it takes, while the journal keeps accepting; every retry rebuilds the requests from the batch.

**Errors.** A record QuestDB rejects (400: wrong type, bad name…) leaves by \`error\` as
\`{ record, error, node, table, status, errorId }\` with QuestDB's message, and the rest of the batch is written.
So do records that cannot become a row: missing or non-integer timestamp, a value of the wrong kind, a template
field that is not usable in a table name, or a table with another schema.

**Values.** Null or missing fields are left out (null in QuestDB). NaN and ±Infinity in a double column are
written as null, as a replay of the journal (JSON) would. \`long\` takes integers within ±(2^63 − 1), as numbers
(exact up to 2^53) or as decimal strings (exact to 64 bits); -2^63 is refused because QuestDB reads it as null.
Nanosecond times beyond 2^53 must be decimal strings. QuestDB refuses designated timestamps before 1970
(such records go to \`error\`); \`timestamp\` columns accept them. Strings and symbols may hold any Unicode,
spaces, commas, quotes, backslashes and newlines: they are escaped.

Example: \`{ "address": "http://127.0.0.1:9000", "table": "readings_{site}", "columns": { "sensor": "symbol", "value": "double", "seq": "long" }, "dedupKeys": ["sensor", "seq"] }\``,

  create(cfg, ctx) {
    const template = compileTableTemplate(cfg.table, QUESTDB_TABLES);
    const columns = mapColumns(cfg.columns, cfg.fields);
    const encoder = rowEncoder(columns, cfg.timestamp);
    const http = new QuestDbHttp(cfg, cfg.maxInFlight);
    const transport = writeTransport(http);
    const guard = new TableGuard(execClient(http), {
      columns, timestampColumn: cfg.timestamp.column, partitionBy: cfg.partitionBy, dedupKeys: dedupKeysOf(cfg), createTable: cfg.createTable,
    });
    const failure = (record: DataRecord, error: string, table?: string, extra?: object): DataRecord =>
      ({ record, error, node: ctx.nodeId, ...(table === undefined ? {} : { table }), ...extra });
    // Set while start() found QuestDB unreachable; the first acknowledged write clears the status.
    let waitingForDatabase = false;

    const pool = new BufferPool();

    /** Encodes records [from, to) by table, checks each table, writes; failures land in `errors`. */
    async function writeSlice(batch: Batch, from: number, to: number, errors: { index: number; record: DataRecord }[]): Promise<void> {
      const tables = new Map<string, TableRows>();
      try {
        for (let i = from; i < to; i++) {
          const record = batch[i]!;
          let table: string | undefined;
          try {
            table = template.nameFor(record);
            let rows = tables.get(table);
            if (!rows) tables.set(table, (rows = new TableRows(pool)));
            encoder.write(record, table, rows);
            rows.endLine(i);
          } catch (err) {
            if (!(err instanceof RowError || err instanceof TemplateError)) throw err;
            errors.push({ index: i, record: failure(record, err.message, table) });
          }
        }
        for (const [table, rows] of tables) {
          if (rows.ends.length === 0) continue;
          try {
            await guard.ensure(table);
          } catch (err) {
            if (!(err instanceof SchemaMismatch)) throw err;
            for (const index of rows.indexes) errors.push({ index, record: failure(batch[index]!, err.message, table) });
            continue;
          }
          for (const r of await deliverRows(transport, rows)) {
            errors.push({ index: r.index, record: failure(batch[r.index]!, `QuestDB rejected the row: ${r.message}`, table, { status: r.status, errorId: r.errorId }) });
          }
        }
      } finally {
        // Only once no request of the slice is on the wire any more: the buffers hold their bodies.
        for (const rows of tables.values()) rows.release();
      }
    }

    return {
      async start() {
        if (template.fixed === undefined) return;
        try {
          await guard.ensure(template.fixed);
        } catch (err) {
          if (!(err instanceof Unreachable)) throw err;
          waitingForDatabase = true;
          ctx.status({ state: 'reconnecting', text: `${err.message}; the table is checked before the first write` });
        }
      },

      /**
       * Slices of at most `autoFlushRows` records are encoded and sent by `maxInFlight` workers, so
       * one slice is encoded while another is on the wire.
       */
      async process(batch): Promise<Outputs | void> {
        const errors: { index: number; record: DataRecord }[] = [];
        const slices = Math.ceil(batch.length / cfg.autoFlushRows);
        let next = 0;
        const failed: { error?: unknown } = {};
        // A worker that fails stops the others from taking more slices; the attempt ends only when none is
        // still sending, so a retry never overlaps requests of the attempt before it.
        const worker = async (): Promise<void> => {
          while (next < slices && !('error' in failed)) {
            const from = cfg.autoFlushRows * next++;
            try {
              await writeSlice(batch, from, Math.min(from + cfg.autoFlushRows, batch.length), errors);
            } catch (err) {
              if (!('error' in failed)) failed.error = err;
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(cfg.maxInFlight, slices) }, worker));
        if ('error' in failed) throw failed.error;
        if (waitingForDatabase) {
          waitingForDatabase = false;
          ctx.status({ state: 'running', text: 'QuestDB reachable' });
        }
        return errors.length > 0 ? { error: errors.sort((a, b) => a.index - b.index).map((e) => e.record) } : undefined;
      },

      stop() {
        http.close();
      },
    };
  },
});

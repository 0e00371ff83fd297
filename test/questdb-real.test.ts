import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import type { Outputs } from '../server/core/types.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { waitFor } from './helpers/wait.js';

/**
 * The same behaviours against a real QuestDB, when one is reachable at QUESTDB_URL
 * (e.g. `docker run -p 9000:9000 questdb/questdb` then `QUESTDB_URL=http://127.0.0.1:9000 npm test`).
 */
const url = process.env.QUESTDB_URL;
const skip = url ? false : 'QUESTDB_URL is not set: the sink was tested against the ILP test server only';
const meta = { offset: 1, ts: Date.now() };
const T0 = Date.UTC(2024, 5, 1);

async function sql<T = unknown[][]>(query: string): Promise<T> {
  const res = await fetch(`${url}/exec?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as { dataset?: unknown; error?: string };
  if (!res.ok || body.error) throw new Error(`${query}: ${body.error ?? res.status}`);
  return body.dataset as T;
}

function uniqueTable(t: { after(fn: () => Promise<void>): void }): string {
  const name = `sluice_test_${randomBytes(4).toString('hex')}`;
  t.after(async () => { await sql(`DROP TABLE IF EXISTS ${name}`); });
  return name;
}

const config = (table: string) => ({
  address: url, table, columns: { sensor: 'symbol', seq: 'long', value: 'double', note: 'varchar' }, dedupKeys: ['sensor', 'seq'],
});

test('real QuestDB: created table deduplicates a replayed batch; tricky values read back unchanged', { skip }, async (t) => {
  const table = uniqueTable(t);
  const node = await createNode('questdb', config(table), nodeContext());
  await node.start!();
  const texts = ['with space', 'comma,equals=', 'quote" back\\slash', 'new\nline', 'unicode é 東京'];
  const batch = texts.map((note, i) => ({ ts: T0 + i, sensor: `s ${i},=`, seq: i, value: i === 0 ? 1e21 : i / 3, note }));
  batch.push({ ts: T0 + 9, sensor: 'big', seq: '9223372036854775807' as never, value: Number.NaN, note: 'max long' });
  assert.equal(await node.process!(batch, meta), undefined);
  assert.equal(await node.process!(batch, meta), undefined, 'a replay of the same batch');
  await waitFor('the WAL applied', async () => Number((await sql(`SELECT count() FROM ${table}`))[0]![0]) === batch.length, 30_000);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(Number((await sql(`SELECT count() FROM ${table}`))[0]![0]), batch.length, 'no duplicate after the replay');
  const rows = await sql(`SELECT sensor, note, value FROM ${table} ORDER BY seq`);
  assert.deepEqual(rows.map((r) => r[0]), batch.map((r) => r.sensor));
  assert.deepEqual(rows.map((r) => r[1]), batch.map((r) => r.note));
  assert.equal(rows[0]![2], 1e21);
  assert.equal(rows.at(-1)![2], null, 'NaN is null');
});

test('real QuestDB: a rejected row goes to error with QuestDB\'s message, the rest is written', { skip }, async (t) => {
  const table = uniqueTable(t);
  const node = await createNode('questdb', config(table), nodeContext());
  await node.start!();
  const out = (await node.process!([
    { ts: T0, sensor: 'a', seq: 1, value: 1 },
    { ts: -5, sensor: 'a', seq: 2, value: 2 },
    { ts: T0 + 1, sensor: 'a', seq: 3, value: 3 },
  ], meta)) as Outputs;
  const errors = out.error as { record: { seq: number }; error: string; status: number }[];
  assert.deepEqual(errors.map((e) => e.record.seq), [2]);
  assert.equal(errors[0]!.status, 400);
  t.diagnostic(`QuestDB's message: ${errors[0]!.error}`);
  await waitFor('the other rows', async () => Number((await sql(`SELECT count() FROM ${table}`))[0]![0]) === 2, 30_000);
});

test('real QuestDB: a table with another schema fails start() naming the differences', { skip }, async (t) => {
  const table = uniqueTable(t);
  await sql(`CREATE TABLE ${table} (sensor SYMBOL, seq DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL`);
  const node = await createNode('questdb', config(table), nodeContext());
  await assert.rejects(async () => node.start!(), new RegExp(`table ${table} exists with another schema: column seq is DOUBLE but the sink writes long; the table does not deduplicate`));
});

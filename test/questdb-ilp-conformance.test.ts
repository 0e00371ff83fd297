import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SenderOptions, createBuffer } from '@questdb/nodejs-client';
import type { DataRecord, NodeInstance, Outputs } from '../server/core/types.js';
import { mapColumns } from '../nodes/lib/table-template.js';
import { rowEncoder } from '../nodes/questdb/ilp-writer.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { startIlpServer, type IlpTestServer } from './fixtures/ilp-server.js';

/**
 * What the sink sends for awkward values, checked by parsing the request bodies with the strict
 * test server: each record must come back exactly, or go to `error` with a reason.
 */

const meta = { offset: 1, ts: Date.now() };
const T0 = Date.UTC(2024, 5, 1);

async function setup(t: { after(fn: () => Promise<void>): void }, unit = 'ms'): Promise<{ s: IlpTestServer; node: NodeInstance }> {
  const s = await startIlpServer({ keepBodies: true });
  t.after(() => s.close());
  const node = await createNode('questdb', {
    address: s.url, table: 'tricky', timestamp: { field: 'ts', column: 'ts', unit },
    columns: { sensor: 'symbol', note: 'varchar', value: 'double', count: 'long', ok: 'boolean', at: 'timestamp' },
    dedupKeys: ['sensor'],
  }, nodeContext());
  await node.start!();
  return { s, node };
}

const TRICKY_TEXT = [
  'plain', 'with space', 'comma,here', 'equals=here', 'quote"inside', 'back\\slash', 'trailing\\', 'new\nline', 'carriage\rreturn',
  'tab\there', 'unicode é ü 東京 🌡️', ' leading and trailing ', '=,\\ "\n', 'a\\,b\\=c\\ d',
];

test('symbols and strings with spaces, commas, equals, quotes, backslashes, line breaks and unicode arrive unchanged', async (t) => {
  const { s, node } = await setup(t);
  const records = TRICKY_TEXT.map((text, i) => ({ ts: T0 + i, sensor: text, note: text }));
  assert.equal(await node.process!(records, meta), undefined);
  const body = s.bodies.at(-1)!;
  assert.equal(body.split('\n').length - 1, records.length + TRICKY_TEXT.filter((x) => x.includes('\n')).length * 2, 'escaped line breaks stay inside their line');
  const rows = s.rows('tricky');
  assert.deepEqual(rows.map((r) => r.sensor), TRICKY_TEXT);
  assert.deepEqual(rows.map((r) => r.note), TRICKY_TEXT);
});

test('doubles: NaN and ±Infinity are written as null (as QuestDB stores them and as a journal replay gives them); extremes are exact', async (t) => {
  const { s, node } = await setup(t);
  const values = [Number.NaN, Infinity, -Infinity, 0, -0, 1e300, -1e-300, 5e-324, Number.MAX_VALUE, 0.1 + 0.2, 123456789.123456789, 2 ** 53 + 2, 1e21];
  const records = values.map((value, i) => ({ ts: T0 + i, sensor: `v${i}`, value }));
  assert.equal(await node.process!(records, meta), undefined);
  const got = s.rows('tricky').map((r) => r.value);
  assert.deepEqual(got.slice(0, 3), [undefined, undefined, undefined], 'the column is left out of the row, i.e. null');
  assert.deepEqual(got.slice(3), values.slice(3).map((v) => (Object.is(v, -0) ? 0 : v)), 'every finite double round-trips exactly');
});

test('longs: exact to 64 bits as decimal strings, exact to 2^53 as numbers; beyond the range or fractional goes to error', async (t) => {
  const { s, node } = await setup(t);
  const ok: [unknown, bigint][] = [
    [0, 0n], [-1, -1n], [2 ** 53 - 1, 2n ** 53n - 1n], [2 ** 60, 2n ** 60n], [-(2 ** 62), -(2n ** 62n)],
    ['9223372036854775807', 2n ** 63n - 1n], ['-9223372036854775807', -(2n ** 63n) + 1n], ['9007199254740993', 9007199254740993n],
  ];
  const bad: unknown[] = ['9223372036854775808', '-9223372036854775808', -(2 ** 63), 2 ** 63, 1e300, 1.5, '12.0', 'twelve', true];
  const records: DataRecord[] = [...ok.map(([count], i) => ({ ts: T0 + i, sensor: `ok${i}`, count })), ...bad.map((count, i) => ({ ts: T0 + i, sensor: `bad${i}`, count }))];
  const out = (await node.process!(records, meta)) as Outputs;
  assert.deepEqual(s.rows('tricky').map((r) => r.count), ok.map(([, v]) => v));
  const errors = out.error as { record: { count: unknown }; error: string }[];
  assert.deepEqual(errors.map((e) => e.record.count), bad);
  assert.match(errors[0]!.error, /count: 9223372036854775808 is outside the 64-bit integer range/);
  assert.match(errors[5]!.error, /count: 1\.5 is not an integer/);
});

test('timestamps: before 1970 allowed in timestamp columns, refused by QuestDB as designated timestamp; ISO strings accepted', async (t) => {
  const { s, node } = await setup(t);
  const records = [
    { ts: T0, sensor: 'a', at: -86_400_000 * 365 * 30 - 1 },
    { ts: '2024-06-01T00:00:01.250Z', sensor: 'b', at: '1969-12-31T23:59:59.999Z' },
    { ts: -1, sensor: 'c', value: 1 },
    { ts: 0, sensor: 'd', value: 2 },
  ];
  const out = (await node.process!(records, meta)) as Outputs;
  const errors = out.error as { record: { sensor: string }; error: string }[];
  assert.deepEqual(errors.map((e) => e.record.sensor), ['c']);
  assert.match(errors[0]!.error, /designated timestamp before 1970-01-01 is not allowed/);
  const rows = s.rows('tricky');
  assert.deepEqual(rows.map((r) => [r.sensor, r.ts, r.at]), [
    ['a', BigInt(T0) * 1_000_000n, BigInt(-86_400_000 * 365 * 30 - 1) * 1000n],
    ['b', BigInt(Date.parse('2024-06-01T00:00:01.250Z')) * 1_000_000n, -1000n],
    ['d', 0n, undefined],
  ]);
});

test('nanosecond timestamps travel exactly as decimal strings; as numbers only within 2^53', async (t) => {
  const { s, node } = await setup(t, 'ns');
  const out = (await node.process!([
    { ts: '1717200000123456789', sensor: 'a', at: '1717200000123456789' },
    { ts: 1_717_200_000_123_456_789, sensor: 'b' },
    { ts: 4_000_000_000_000_000, sensor: 'c', at: -1_500 },
  ], meta)) as Outputs;
  assert.deepEqual((out.error as { record: { sensor: string }; error: string }[]).map((e) => [e.record.sensor, e.error]), [
    ['b', 'ts: 1717200000123456800 is not an integer number of ns within ±2^53 (send larger values as a decimal string)'],
  ]);
  assert.deepEqual(s.rows('tricky').map((r) => [r.sensor, r.ts, r.at]), [
    ['a', 1_717_200_000_123_456_789n, 1_717_200_000_123_456n],
    ['c', 4_000_000_000_000_000n, -2n],
  ], 'timestamp columns hold microseconds, rounded toward the past');
});

test('booleans, missing and null fields: a null column is left out, a row with no value at all goes to error', async (t) => {
  const { s, node } = await setup(t);
  const out = (await node.process!([
    { ts: T0, sensor: 'a', ok: true, value: null },
    { ts: T0 + 1, sensor: 'b', ok: false, note: '' },
    { ts: T0 + 2, sensor: null, value: null },
    { ts: T0 + 3, sensor: 'd', ok: 'yes' },
  ], meta)) as Outputs;
  assert.deepEqual((out.error as { error: string }[]).map((e) => e.error), [
    'no column has a value (a row needs at least one symbol or field)',
    'ok: expected true or false, got "yes"',
  ]);
  assert.deepEqual(s.rows('tricky'), [
    { ts: BigInt(T0) * 1_000_000n, sensor: 'a', ok: true },
    { ts: BigInt(T0 + 1) * 1_000_000n, sensor: 'b', ok: false, note: '' },
  ]);
});

test('every line is byte-identical to what @questdb/nodejs-client (protocol 1) writes for the same values', () => {
  const client = createBuffer(new SenderOptions('http::addr=127.0.0.1:9000;protocol_version=1'));
  const ours = rowEncoder(mapColumns({ sensor: 'symbol', note: 'varchar', value: 'double', count: 'long', ok: 'boolean', at: 'timestamp' }), { field: 'ts', unit: 'ms' });
  for (const [i, text] of TRICKY_TEXT.entries()) {
    const ts = T0 + i;
    const value = [0.1, -1e300, 5e-324, 2 ** 53 + 2, 1e21][i % 5]!;
    const count = [0, -1, 2 ** 53 - 1][i % 3]!;
    client.table('tricky').symbol('sensor', text).stringColumn('note', text).floatColumn('value', value).intColumn('count', count)
      .booleanColumn('ok', i % 2 === 0).timestampColumn('at', ts - 86_400_000 * 365 * 60, 'ms').at(ts, 'ms');
    const expected = client.toBufferNew()!.toString('utf8');
    assert.equal(ours.encode({ ts, sensor: text, note: text, value, count, ok: i % 2 === 0, at: ts - 86_400_000 * 365 * 60 }, 'tricky'), expected, JSON.stringify(text));
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataRecord } from '../server/core/types.js';
import { createParser, type RowIssue } from '../nodes/lib/records/index.js';

function parseCsv(text: string): { records: DataRecord[]; issues: RowIssue[] } {
  const records: DataRecord[] = [];
  const issues: RowIssue[] = [];
  const parser = createParser({ format: 'csv', delimiter: ',', header: true, columns: [], decimalComma: false, numeric: ['value'], timestamp: { field: 'ts', format: 'iso8601' }, maxRecordBytes: 1 << 20 }, {
    record: (r) => records.push(r),
    invalid: (i) => issues.push(i),
  });
  parser.push(Buffer.from(text));
  parser.end();
  return { records, issues };
}

/** A seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

test('ISO 8601 times are read as Date.parse reads them: offsets, fractions, leap days, years 1600 to 2400', () => {
  const next = random(42);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const times: string[] = ['2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00Z', '1970-01-01T00:00:00Z', '1969-12-31T23:59:59.5-00:30', '2024-03-31 02:30:00+02:00'];
  for (let i = 0; i < 5000; i++) {
    const ms = Math.floor((next() * 800 - 370) * 365.25 * 86_400_000);
    const d = new Date(ms);
    const frac = ['', `.${pad(d.getUTCMilliseconds(), 3)}`, `.${pad(Math.floor(next() * 10))}`][i % 3];
    const zone = i % 4 === 0 ? 'Z' : `${next() < 0.5 ? '+' : '-'}${pad(Math.floor(next() * 14))}:${pad(Math.floor(next() * 4) * 15)}`;
    times.push(`${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}${zone}`);
  }
  const { records, issues } = parseCsv(`ts,value\n${times.map((t) => `${t},1`).join('\n')}\n`);
  assert.deepEqual(issues, []);
  assert.deepEqual(records.map((r) => r.ts), times.map((t) => Date.parse(t.replace(' ', 'T'))));
});

test('days a month does not have go to invalid with their line, not into the next month', () => {
  const { records, issues } = parseCsv('ts,value\n2023-02-29T00:00:00Z,1\n2024-04-31T00:00:00+02:00,1\n2024-13-01T00:00:00Z,1\n2024-01-01T00:00:00Z,1\n');
  assert.deepEqual(issues.map((i) => [i.line, i.reason]), [
    [2, '"2023-02-29T00:00:00Z" is not a valid date-time (no such day)'],
    [3, '"2024-04-31T00:00:00+02:00" is not a valid date-time (no such day)'],
    [4, '"2024-13-01T00:00:00Z" is not a valid date-time'],
  ]);
  assert.deepEqual(records, [{ ts: Date.UTC(2024, 0, 1), value: 1 }]);
});

test('plainly written numbers are the same doubles as Number() gives, in numeric and other columns', () => {
  const next = random(7);
  const cells = ['0', '-0', '0.1', '0.3', '-12.5', '9007199254740993', '123456789012345', '1234567890.123456789', '0.000001', '99.99'];
  for (let i = 0; i < 5000; i++) {
    const digits = 1 + Math.floor(next() * 8);
    const whole = String(Math.floor(next() * 10 ** digits));
    const scale = Math.floor(next() * 8);
    cells.push(`${next() < 0.3 ? '-' : ''}${whole}${scale ? `.${String(Math.floor(next() * 10 ** scale)).padStart(scale, '0')}` : ''}`);
  }
  const { records, issues } = parseCsv(`ts,value,other\n${cells.map((c) => `2024-01-01T00:00:00Z,${c},${c}`).join('\n')}\n`);
  assert.deepEqual(issues, []);
  assert.deepEqual(records.map((r) => r.value), cells.map(Number));
  assert.deepEqual(records.map((r) => r.other), cells.map(Number));
  assert.ok(Object.is(records[1]!.value, -0));
});

test('in JSON, a time with a character outside ASCII is not read as a digit', () => {
  const records: DataRecord[] = [];
  const issues: RowIssue[] = [];
  const parser = createParser({ format: 'ndjson', timestamp: { field: 'ts', format: 'iso8601' }, maxRecordBytes: 1 << 20 }, {
    record: (r) => records.push(r),
    invalid: (i) => issues.push(i),
  });
  // U+0130 ends in the byte 0x30, the digit 0.
  parser.push(Buffer.from('{"ts":"2024-05-01T00:00:0\u0130Z"}\n{"ts":"2024-05-01T00:00:00Z"}\n'));
  parser.end();
  assert.deepEqual(issues.map((i) => i.line), [1]);
  assert.deepEqual(records, [{ ts: Date.UTC(2024, 4, 1) }]);
});

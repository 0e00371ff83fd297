import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { checkJsonValue, parseJsonText } from '../server/core/json-text.js';
import { parseJson } from '../server/core/problems.js';
import type { DataRecord } from '../server/core/types.js';
import { IngressRegistry } from '../server/services/ingress.js';
import { FileIngestor } from '../nodes/lib/file-ingest.js';
import { createParser, type ParseOptions, type RowIssue } from '../nodes/lib/records/index.js';
import { payloadParser } from '../nodes/mqtt/payload.js';
import { uniform } from '../nodes/lib/prng.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { tempDir } from './helpers/temp-dir.js';

/*
 * Random bytes, random encodings and random nesting through every parser of outside input. Whatever
 * comes in: nothing is thrown past the parser or the node, every row is accounted for in out + invalid,
 * and every record that comes out can be journaled and read back unchanged (no depth past the limit, no
 * number JSON would turn into null, no `__proto__` key). Runs are reproducible: SLUICE_SEED=<seed>.
 */

const SEED = Number(process.env.SLUICE_SEED ?? Math.floor(Math.random() * 2 ** 31));
// Written at once, not only in the test report: a run that hangs or runs out of memory still says how to repeat it.
process.stderr.write(`parsers-property: seed ${SEED} (SLUICE_SEED=${SEED} reproduces this run)\n`);

class Rng {
  private n = 0;
  constructor(readonly seed: number, private readonly salt: number) {}
  next(): number { return uniform(this.seed, this.n++, this.salt); }
  int(max: number): number { return Math.floor(this.next() * max); }
  chance(p: number): boolean { return this.next() < p; }
  pick<T>(list: readonly T[]): T { return list[this.int(list.length)]!; }
  bytes(length: number, exclude: readonly number[] = []): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) {
      let b = this.int(256);
      while (exclude.includes(b)) b = this.int(256);
      out[i] = b;
    }
    return out;
  }
}

const TRICKY_STRINGS = ['', 'plain', 'quo"te', 'back\\slash', 'tab\there', 'nl\\n', '\u0000nul', 'é', '\u{1f321}', '\u2028', '\ufeff', '1e400', '__proto__', 'constructor'];

function jsonString(rng: Rng): string {
  return JSON.stringify(rng.chance(0.5) ? rng.pick(TRICKY_STRINGS) : rng.bytes(rng.int(8), [0x0a, 0x0d]).toString('latin1'));
}

const NUMBERS = ['0', '-1', '3.25', '1e3', '1e400', '-1e400', '1E+309', `1${'0'.repeat(400)}`, '1e-400', '12345678901234567890', '-0'];

/** A random JSON text: scalars of every kind, tricky keys, out-of-range numbers, nesting up to `depth`. */
function jsonValue(rng: Rng, depth: number): string {
  if (depth <= 0 || rng.chance(0.4)) {
    const kind = rng.int(5);
    if (kind === 0) return rng.pick(NUMBERS);
    if (kind === 1) return jsonString(rng);
    return rng.pick(['true', 'false', 'null']);
  }
  const n = rng.int(4);
  if (rng.chance(0.5)) return `[${Array.from({ length: n }, () => jsonValue(rng, depth - 1)).join(',')}]`;
  const keys = Array.from({ length: n }, () => (rng.chance(0.05) ? '"__proto__"' : jsonString(rng)));
  return `{${keys.map((k) => `${k}:${jsonValue(rng, depth - 1)}`).join(',')}}`;
}

/** An object row, sometimes nested far past the limit (in a line that is still short enough to read). */
function jsonRow(rng: Rng): string {
  if (rng.chance(0.08)) {
    const levels = 60 + rng.int(2000);
    return `{"deep":${'['.repeat(levels)}${']'.repeat(levels)}}`;
  }
  const fields = Array.from({ length: 1 + rng.int(4) }, (_, i) => `"f${i}":${jsonValue(rng, 1 + rng.int(4))}`);
  return `{${fields.join(',')}}`;
}

type Encoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'utf-16le-nobom';

function encode(text: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'utf-8': return Buffer.from(text);
    case 'utf-8-bom': return Buffer.from(`\ufeff${text}`);
    case 'utf-16le': return Buffer.from(`\ufeff${text}`, 'utf16le');
    case 'utf-16be': return Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
    case 'utf-16le-nobom': return Buffer.from(text, 'utf16le');
  }
}

/** Random cuts: one chunk, single bytes, or anything between. */
function chunks(rng: Rng, buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const small = rng.chance(0.2);
  for (let i = 0; i < buf.length;) {
    const n = small ? 1 + rng.int(3) : 1 + rng.int(Math.max(1, buf.length));
    out.push(buf.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** What a journal append would do to a record: it must survive unchanged, within every limit. */
function assertJournalable(r: DataRecord, where: string): void {
  assert.ok(r !== null && typeof r === 'object' && !Array.isArray(r), `${where}: a record is an object`);
  const checked = checkJsonValue(r, { forbiddenKeys: new Set(['__proto__']) });
  assert.equal(checked.fault, undefined, `${where}: ${checked.fault?.message}`);
  assert.equal(checked.overflow, false, `${where}: a number JSON cannot carry`);
  assert.ok(sameValue(JSON.parse(JSON.stringify(r)), r), `${where}: read back unchanged`);
}

/** Deep equality where numbers compare with === (JSON writes -0 as 0, the same number). */
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameValue((a as never)[k], (b as never)[k]));
}

function run(options: ParseOptions, input: Buffer[]): { out: DataRecord[]; invalid: RowIssue[] } {
  const out: DataRecord[] = [];
  const invalid: RowIssue[] = [];
  const parser = createParser(options, { record: (r) => out.push(r), invalid: (i) => invalid.push(i) });
  for (const c of input) parser.push(c);
  parser.end();
  for (const issue of invalid) {
    assert.ok(Number.isInteger(issue.line) && issue.line >= 1, `line ${issue.line}`);
    assert.ok(typeof issue.reason === 'string' && issue.reason.length > 0);
  }
  return { out, invalid };
}

const JSON_OPTIONS = (format: 'json' | 'ndjson'): ParseOptions => ({ format, maxRecordBytes: 64 * 1024 });
const CSV_OPTIONS: ParseOptions = { format: 'csv', delimiter: ',', header: true, columns: [], decimalComma: false, numeric: ['value'], maxRecordBytes: 64 * 1024 };

test('property: NDJSON and JSON rows of random content, nesting and encoding are each accounted for', (t) => {
  t.diagnostic(`seed ${SEED} (SLUICE_SEED=${SEED} reproduces this run)`);
  const rng = new Rng(SEED, 1);
  for (let i = 0; i < 400; i++) {
    const encoding = rng.pick<Encoding>(['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be']);
    // The first row is plain, so the encoding is told by its byte order mark (or its absence) alone.
    const lines = ['{"first":1}', ...Array.from({ length: rng.int(12) }, () => {
      const k = rng.int(10);
      if (k === 0) return rng.pick(['42', '"text"', 'null', '[1,2]']);
      if (k === 1) return `{"broken": ${jsonString(rng)}`;
      return jsonRow(rng);
    })];
    const where = `seed ${SEED}, case ${i} (${encoding})`;
    const ndjson = run(JSON_OPTIONS('ndjson'), chunks(rng, encode(lines.join(rng.pick(['\n', '\r\n'])), encoding)));
    assert.equal(ndjson.out.length + ndjson.invalid.length, lines.length, `${where}: ndjson rows`);
    ndjson.out.forEach((r, k) => assertJournalable(r, `${where}, ndjson record ${k}`));
    // A JSON array of the rows that are whole JSON values (a broken one would end the array there).
    const elements = lines.filter((l) => !l.startsWith('{"broken"'));
    const array = run(JSON_OPTIONS('json'), chunks(rng, encode(`[${elements.join(',\n')}]`, encoding)));
    assert.equal(array.out.length + array.invalid.length, elements.length, `${where}: array elements`);
    array.out.forEach((r, k) => assertJournalable(r, `${where}, array record ${k}`));
  }
});

test('property: CSV rows with random cells, quoting and encodings are each accounted for, the header never lost', (t) => {
  t.diagnostic(`seed ${SEED}`);
  const rng = new Rng(SEED, 2);
  const cell = (): string => {
    const k = rng.int(8);
    if (k === 0) return `"${rng.pick(['a,b', 'line\nbreak', 'say ""hi""', ''])}"`;
    if (k === 1) return rng.bytes(rng.int(6), [0x0a, 0x0d, 0x22, 0x2c]).toString('latin1');
    return rng.pick(['1', '-2.5', '1e400', 'n/a', '', '007', '__proto__', 'é']);
  };
  for (let i = 0; i < 400; i++) {
    const encoding = rng.pick<Encoding>(['utf-8', 'utf-8-bom', 'utf-16le', 'utf-16be', 'utf-16le-nobom']);
    const rows = Array.from({ length: 1 + rng.int(12) }, () => Array.from({ length: rng.chance(0.1) ? 2 : 3 }, cell).join(','));
    let text = ['sensor,note,value', ...rows].join(rng.pick(['\n', '\r\n']));
    // Random bytes are not text in UTF-16: only UTF-8 files keep them raw.
    if (encoding !== 'utf-8') text = Buffer.from(text, 'latin1').toString('latin1').replace(/[^\x20-\x7e\n\r",]/g, 'x');
    const bytes = encoding === 'utf-8' ? Buffer.from(text, 'latin1') : encode(text, encoding);
    const result = run(CSV_OPTIONS, chunks(rng, bytes));
    const where = `seed ${SEED}, case ${i} (${encoding}): ${JSON.stringify(text).slice(0, 200)}`;
    const blank = rows.filter((r) => r === '').length;
    assert.equal(result.out.length + result.invalid.length, rows.length - blank, where);
    result.out.forEach((r, k) => {
      assertJournalable(r, `${where}, record ${k}`);
      assert.deepEqual(Object.keys(r).filter((f) => !['sensor', 'note', 'value'].includes(f)), [], `${where}: only header columns`);
    });
  }
});

test('property: random bytes never throw past a parser, and whatever comes out can be journaled', (t) => {
  t.diagnostic(`seed ${SEED}`);
  const rng = new Rng(SEED, 3);
  const mqtt = ['json', 'csv', 'text'].map((format) => payloadParser({ format: format as 'json', columns: ['ts', 'sensor', 'value'], separator: ',', textField: 'text', maxBytes: 1 << 20 }));
  for (let i = 0; i < 1500; i++) {
    const where = `seed ${SEED}, case ${i}`;
    const prefix = rng.pick([Buffer.alloc(0), Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff]), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('{"a":[')]);
    const body = Buffer.concat([prefix, rng.bytes(rng.int(300))]);
    for (const options of [CSV_OPTIONS, JSON_OPTIONS('json'), JSON_OPTIONS('ndjson')]) {
      const result = run(options, chunks(rng, body));
      result.out.forEach((r, k) => assertJournalable(r, `${where}, ${options.format} record ${k}`));
    }
    for (const parse of mqtt) {
      const parsed = parse(body);
      if ('records' in parsed) parsed.records.forEach((r, k) => assertJournalable(r, `${where}, mqtt record ${k}`));
      else assert.ok(parsed.reason.length > 0);
    }
    const text = body.toString('utf8');
    const parsed = parseJsonText(text);
    if (parsed.ok) assert.equal(checkJsonValue(parsed.value).fault, undefined, where);
    const problem = parseJson(text);
    if (!problem.ok) assert.ok(problem.problem.message.length > 0);
  }
  // Random nesting of valid JSON: beyond the limit refused with where and how deep, below it kept unchanged.
  for (let i = 0; i < 300; i++) {
    const depth = 1 + rng.int(200);
    const open = Array.from({ length: depth }, () => rng.pick(['[', '{"k":']));
    const text = `${open.join('')}1${[...open].reverse().map((o) => (o === '[' ? ']' : '}')).join('')}`;
    const parsed = parseJsonText(text);
    if (depth <= 64) assert.deepEqual(parsed, { ok: true, value: JSON.parse(text) }, `depth ${depth}`);
    else assert.match(parsed.ok ? '' : parsed.fault.message, new RegExp(`^nested ${depth} levels deep at /.*; the limit is 64$`), `depth ${depth}`);
  }
});

test('property: through the nodes: HTTP in answers every random body below 500, the FTP ingestor accounts for every row', async (t) => {
  t.diagnostic(`seed ${SEED}`);
  const rng = new Rng(SEED, 4);
  const ingress = new IngressRegistry();
  const journaled: DataRecord[][] = [];
  const ctx = nodeContext({
    services: { ...nodeContext().services, ingress },
    // What the journal does: encode as JSON (a throw here would be a 500).
    append: async (records) => { JSON.stringify(records); journaled.push(records); return { offset: journaled.length }; },
  });
  const node = await createNode('http-in', { path: 'p', token: 'a-long-enough-test-token-0123456789', maxBodyBytes: 1 << 20 }, ctx);
  await node.start!();
  const handler = ingress.handler('p')!;
  for (let i = 0; i < 300; i++) {
    const type = rng.pick(['application/json', 'application/x-ndjson', 'text/csv', 'text/plain']);
    const raw = rng.chance(0.5) ? Buffer.from([...Array(1 + rng.int(8))].map(() => jsonRow(rng)).join('\n')) : rng.bytes(rng.int(400));
    const gzip = rng.chance(0.3);
    const body = gzip ? (rng.chance(0.5) ? gzipSync(raw) : gzipSync(raw).subarray(0, rng.int(raw.length))) : raw;
    const res = await handler({
      method: 'POST', path: 'p', query: {}, remoteAddress: '127.0.0.1', body: Readable.from(chunks(rng, body)),
      headers: { authorization: 'Bearer a-long-enough-test-token-0123456789', 'content-type': type, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
    });
    assert.ok(res.status < 500, `seed ${SEED}, body ${i}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status === 202) journaled.at(-1)?.forEach((r, k) => assertJournalable(r, `seed ${SEED}, body ${i}, record ${k}`));
  }
  await node.stop!();

  const dir = tempDir(t);
  for (let i = 0; i < 60; i++) {
    const lines = ['{"first":1}', ...Array.from({ length: 1 + rng.int(30) }, () => (rng.chance(0.2) ? rng.bytes(rng.int(40), [0x0a, 0x0d, 0x20, 0x09]).toString('latin1') || 'x' : jsonRow(rng)))];
    const path = join(dir, `f${i}.ndjson`);
    writeFileSync(path, Buffer.from(lines.join('\n'), 'latin1'));
    const counts = { out: 0, invalid: 0 };
    const fileCtx = nodeContext({ append: async (records) => { JSON.stringify(records); return { offset: 1 }; } });
    const ingestor = new FileIngestor(fileCtx, { chunkRecords: 1 + rng.int(5), remember: 10, allowDuplicates: true, committed: (port, n) => { counts[port] += n; } });
    await ingestor.ingest({ key: `u/f${i}.ndjson`, sha256: String(i), path, format: JSON_OPTIONS('ndjson') });
    assert.equal(counts.out + counts.invalid, lines.length, `seed ${SEED}, file ${i}: every line in out or invalid`);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapColumns } from '../nodes/lib/table-template.js';
import { RowError, rowEncoder } from '../nodes/questdb/ilp-writer.js';
import { BufferPool, LineBuffer } from '../nodes/questdb/line-buffer.js';

/**
 * The sink writes numbers and text as bytes itself instead of converting strings: every shortcut
 * must give exactly the text String() and the escaping rules give, or QuestDB would store another value.
 */

const encoder = rowEncoder(mapColumns({ sensor: 'symbol', note: 'varchar', value: 'double', count: 'long' }), { field: 'ts', unit: 'ms' });

/** A deterministic pseudo-random sequence, so a failure can be reproduced. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('doubles are written exactly as String() writes them: readings with a few decimals, tiny, huge and arbitrary bit patterns', () => {
  const next = random(42);
  const values: number[] = [0.1 + 0.2, 1e-6, 1.5e-6, 9.9999999e7, 1e8 - 0.5, 1e8 + 0.5, 123456.7654321, 0.000001234, 5e-324, 1e21, 2 ** 53 + 2, -0.05, 0.5, 1.005, 4.35, 0.07];
  for (let i = 0; i < 50_000; i++) {
    const decimals = Math.floor(next() * 9);
    const magnitude = 10 ** (Math.floor(next() * 12) - 4);
    values.push(Math.round(next() * magnitude * 10 ** decimals) / 10 ** decimals * (next() < 0.3 ? -1 : 1));
    values.push((next() - 0.5) * magnitude);
    const bits = new DataView(new ArrayBuffer(8));
    bits.setUint32(0, Math.floor(next() * 2 ** 32));
    bits.setUint32(4, Math.floor(next() * 2 ** 32));
    const any = bits.getFloat64(0);
    if (Number.isFinite(any)) values.push(any);
  }
  for (const value of values) assert.equal(encoder.encode({ ts: 1, value }, 't'), `t value=${String(value)} 1000000\n`, String(value));
});

test('integers and millisecond timestamps are written as digits at every digit-count and 2^31 boundary', () => {
  const edges = [0, 1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 2 ** 32, 999_999_999_999, 1_000_000_000_000, 2 ** 53 - 1];
  for (const n of [...edges, ...edges.map((e) => -e)]) {
    const ts = Math.abs(n);
    const tsText = ts === 0 ? '0' : `${ts}000000`;
    assert.equal(encoder.encode({ ts, count: n, value: n }, 't'), `t value=${String(n)},count=${String(n)}i ${tsText}\n`, String(n));
  }
  assert.equal(encoder.encode({ ts: -1, count: -0 }, 't'), 't count=0i -1000000\n');
});

test('a row with the time of the row before gets the same time text, also after a row whose time was refused', () => {
  const times = [5, 5, '2024-06-01T00:00:00Z', 5, 'not a time', 5, '17', 17, 5];
  const lines = times.map((ts) => {
    try {
      return encoder.encode({ ts, count: 1 }, 't');
    } catch (err) {
      assert.ok(err instanceof RowError);
      return 'refused';
    }
  });
  assert.deepEqual(lines, [
    't count=1i 5000000\n', 't count=1i 5000000\n', 't count=1i 1717200000000000000\n', 't count=1i 5000000\n', 'refused',
    't count=1i 5000000\n', 't count=1i 17000000\n', 't count=1i 17000000\n', 't count=1i 5000000\n',
  ]);
});

test('text with escaped characters before and after non-ASCII characters is escaped as a whole', () => {
  const texts = ['a b,c=d\\e', 'é a,b', 'a,b é c=d\\ "q"', '东京 \n\r', ' é', '🌡️,=', '\\', 'x\ud800y'];
  for (const text of texts) {
    const tag = text.replace(/[ ,=\n\r\\]/g, '\\$&');
    const str = text.replace(/["\n\r\\]/g, '\\$&');
    const line = encoder.encode({ ts: 2, sensor: text, note: text }, 'x y');
    assert.equal(line, Buffer.from(`x\\ y,sensor=${tag} note="${str}" 2000000\n`).toString('utf8'), JSON.stringify(text));
  }
});

test('a row refused halfway leaves no byte of it in the request; the buffer grows past its first size', () => {
  const out = new LineBuffer(new BufferPool());
  const good = { ts: 5, sensor: 's', value: 1.5, count: 3 };
  encoder.write(good, 't', out);
  const before = out.length;
  assert.throws(() => encoder.write({ ts: 6, sensor: 'written first', value: 'not a number' }, 't', out), RowError);
  assert.throws(() => encoder.write({ ts: 6, sensor: 's', value: 2, count: 1.5 }, 't', out), RowError);
  assert.throws(() => encoder.write({ sensor: 's', value: 2 }, 't', out), RowError);
  assert.equal(out.length, before);
  const long = 'é'.repeat(100_000);
  for (let i = 0; i < 3; i++) encoder.write({ ...good, note: long }, 't', out);
  const expected = encoder.encode(good, 't') + `t,sensor=s note="${long}",value=1.5,count=3i 5000000\n`.repeat(3);
  assert.equal(out.buf.toString('utf8', 0, out.length), expected);
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { IlpParseError, IlpParser, type IlpLine } from './fixtures/ilp-parser.js';
import { startIlpServer } from './fixtures/ilp-server.js';

/**
 * The test server's parser reads bytes, interns names and checks numbers without converting them:
 * each shortcut must accept and refuse exactly what the text form of the protocol does.
 */

function parse(body: string, parser = new IlpParser()): IlpLine[] {
  const lines: IlpLine[] = [];
  parser.parse(Buffer.from(body, 'utf8'), (line) => lines.push(line.toLine()));
  return lines;
}

function refusal(body: string): { line: number; message: string } {
  try {
    parse(body);
  } catch (err) {
    assert.ok(err instanceof IlpParseError, String(err));
    return { line: err.line, message: err.message };
  }
  assert.fail(`accepted: ${JSON.stringify(body)}`);
}

test('64-bit integers are range-checked digit by digit at the edges, leading zeros and signs included', () => {
  const ok = ['9223372036854775807', '-9223372036854775808', '00009223372036854775807', '-0009223372036854775808', '1000000000000000000', '-0'];
  for (const n of ok) assert.deepEqual(parse(`t n=${n}i ${n.startsWith('-') ? 1 : n}\n`)[0]!.fields[0]!.value, n, n);
  const tooBig = ['9223372036854775808', '-9223372036854775809', '10000000000000000000', '99999999999999999999'];
  for (const n of tooBig) assert.match(refusal(`t n=${n}i 1\n`).message, /^n: .* is out of the 64-bit range$/, n);
  assert.match(refusal('t n=1i 9223372036854775808\n').message, /^timestamp: 9223372036854775808 is out of the 64-bit range$/);
  assert.equal(parse('t at=9223372036854775807t 9223372036854775807\n')[0]!.ts, '9223372036854775807');
});

test('floats: what Number() reads from digits, dot, exponent and a leading minus; overflow and other forms refused', () => {
  const ok: [string, number][] = [['1.', 1], ['.5', 0.5], ['-.5', -0.5], ['1e5', 1e5], ['1E+5', 1e5], ['1.e-5', 1e-5], ['-0', -0], ['007.5', 7.5],
    ['1.7976931348623157e+308', Number.MAX_VALUE], [`${'9'.repeat(300)}`, Number(`${'9'.repeat(300)}`)]];
  for (const [text, value] of ok) assert.equal(parse(`t v=${text} 1\n`)[0]!.fields[0]!.value, value, text);
  for (const text of ['.', '-', '-.', 'e5', '1e', '1e+', '.e5', '1.2.3', '+1', '1-', '--1', '0x10', '1_0', 'infinity', 'nan', '1,5']) {
    const body = `t v=${text} 1\n`;
    const { message } = refusal(body);
    assert.ok(/invalid field value|has no value|unexpected character/.test(message), `${text}: ${message}`);
  }
  assert.equal(refusal('t v= 1\n').message, 'invalid field value: (empty), column: v');
  assert.equal(refusal('t v=1e309 1\n').message, 'v: 1e309 overflows a double');
  assert.equal(refusal(`t v=${'9'.repeat(400)} 1\n`).message, `v: ${'9'.repeat(400)} overflows a double`);
  assert.deepEqual(parse('t a=NaN,b=Infinity,c=-Infinity 1\n')[0]!.fields.map((f) => [f.kind, f.value]), [['float', NaN], ['float', NaN], ['float', NaN]]);
});

test('booleans, integers and timestamps are told apart by their last byte as QuestDB does', () => {
  const kinds = parse('t a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE,k=1t,l=1i,m=-7i 1\n')[0]!.fields.map((f) => [f.name, f.kind, f.value]);
  assert.deepEqual(kinds, [
    ['a', 'boolean', true], ['b', 'boolean', true], ['c', 'boolean', true], ['d', 'boolean', true], ['e', 'boolean', true],
    ['f', 'boolean', false], ['g', 'boolean', false], ['h', 'boolean', false], ['i', 'boolean', false], ['j', 'boolean', false],
    ['k', 'timestamp', '1'], ['l', 'integer', '1'], ['m', 'integer', '-7'],
  ]);
  for (const text of ['i', '-i', 'tRUE', 'yes', '1.5i', 'Infinityi']) assert.match(refusal(`t v=${text} 1\n`).message, /invalid field value/, text);
});

test('escaped names and symbols are unescaped; the same raw bytes always give the same text, different ones never do', () => {
  const parser = new IlpParser();
  const body = 'we\\ ird\\,t,k\\=1=a\\ b\\\\,k2=東京 s="q\\"\\\\x\\\ny" 1\nwe\\ ird\\,t,k\\=1=a\\ b\\\\,k2=東京 s="" 2\nwe\\ ird\\,t,k\\=1=a\\ b\\\\\\,,k2=東京2 s="" 3\n';
  const lines = parse(body, parser);
  assert.deepEqual(lines.map((l) => l.table), ['we ird,t', 'we ird,t', 'we ird,t']);
  assert.deepEqual(lines.map((l) => l.symbols), [[['k=1', 'a b\\'], ['k2', '東京']], [['k=1', 'a b\\'], ['k2', '東京']], [['k=1', 'a b\\,'], ['k2', '東京2']]]);
  assert.equal(lines[0]!.fields[0]!.value, 'q"\\x\ny');
  // A second request through the same parser hits the interned names.
  assert.deepEqual(parse('we\\ ird\\,t,k\\=1=a\\ b\\\\ s="" 4\n', parser)[0]!.symbols, [['k=1', 'a b\\']]);
  // Thousands of distinct names evict each other from the intern slots without mixing them up.
  const many = Array.from({ length: 10_000 }, (_, i) => `t,s${i % 5000}=v${i} f${i}=1i ${i}\n`).join('');
  parse(many, parser).forEach((l, i) => assert.deepEqual([l.symbols[0], l.fields[0]!.name], [[`s${i % 5000}`, `v${i}`], `f${i}`]));
});

test('an escape or a string cut off by the end of the body is refused, not read past', () => {
  assert.equal(refusal('t,s=a\\').message, 'invalid escape \\ in a name or symbol at offset 1');
  assert.equal(refusal('t s="abc\\').message, 'invalid escape \\ in a string');
  assert.equal(refusal('t s="abc').message, 'unterminated string');
  assert.equal(refusal('t,s=a v=1 1\nt,s=\\q v=1 1\n').line, 2);
  assert.deepEqual(parse('t v=1i 5').map((l) => l.ts), ['5'], 'the last line may go without its newline');
});

test('a body that arrives in many TCP chunks, cut inside escapes and multi-byte characters, is read whole', async (t) => {
  const s = await startIlpServer();
  t.after(() => s.close());
  const line = 'c,k=東\\ 京\\,x v="a\\"\\\\b🌡️",n=12i 1700000000000000000\n';
  const body = Buffer.from(line.repeat(3), 'utf8');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`${s.url}/write?precision=n`, { method: 'POST', headers: { 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setNoDelay(true);
    let at = 0;
    const next = (): void => {
      if (at >= body.length) return void req.end();
      // One byte at a time across the first line, so every escape and every UTF-8 sequence is cut.
      const n = at < line.length ? 1 : 7;
      req.write(body.subarray(at, at + n));
      at += n;
      setImmediate(next);
    };
    next();
  });
  assert.equal(status, 204);
  assert.deepEqual(s.rows('c').map((r) => [r.k, r.v, r.n]), Array(3).fill(['東 京,x', 'a"\\b🌡️', 12n]));
});

test('dedup keys use the microsecond of the designated timestamp whatever its precision, leading zeros or sub-microsecond digits', async (t) => {
  const s = await startIlpServer();
  t.after(() => s.close());
  const create = 'CREATE TABLE d (k SYMBOL, v DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, k)';
  await fetch(`${s.url}/exec?query=${encodeURIComponent(create)}`);
  const write = (body: string, precision: string) => fetch(`${s.url}/write?precision=${precision}`, { method: 'POST', body }).then((r) => r.status);
  assert.equal(await write('d,k=a v=1 1700000000000000000\nd,k=a v=2 1700000000000000999\nd,k=a v=3 0001700000000000000999\n', 'n'), 204);
  assert.equal(await write('d,k=a v=4 1700000000000000\nd,k=a v=5 1700000000000001\n', 'u'), 204);
  assert.equal(await write('d,k=a v=6 1700000000\nd,k=a v=7 0\nd,k=b v=8 000\n', 's'), 204);
  assert.equal(await write('d,k=a v=9 1700000000000\nd,k=a v=10 0\nd,k=a v=11 999\n', 'ms'), 204);
  assert.equal(await write('d,k=a v=12 999\nd,k=a v=13 1000\n', 'n'), 204);
  assert.deepEqual(s.rows('d').map((r) => [r.k, r.v, r.ts]), [
    ['a', 9, 1_700_000_000_000_000_000n], ['a', 5, 1_700_000_000_000_001_000n], ['a', 12, 999n], ['b', 8, 0n], ['a', 11, 999_000_000n], ['a', 13, 1000n],
  ]);
  assert.equal(s.stats.rowsSeenTwice, 7);
});

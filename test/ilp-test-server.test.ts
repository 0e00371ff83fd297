import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startIlpServer, type IlpTestServer } from './fixtures/ilp-server.js';

/** The test double must be at least as strict as QuestDB, or the sink's tests would prove little. */

async function write(s: IlpTestServer, body: string, precision = 'n'): Promise<{ status: number; json?: { code: string; message: string; line?: number; errorId: string } }> {
  const res = await fetch(`${s.url}/write?precision=${precision}`, { method: 'POST', body });
  const text = await res.text();
  return { status: res.status, ...(text ? { json: JSON.parse(text) as never } : {}) };
}

test('malformed lines are refused with 400, QuestDB\'s JSON error shape and the line number; nothing of the request is kept', async (t) => {
  const s = await startIlpServer();
  t.after(() => s.close());
  const good = 't,s=a v=1.5,n=2i,b=t,txt="x y",at=5t 1000\n';
  assert.equal((await write(s, good)).status, 204);
  const malformed = [
    't,s=a v=1.5.2 1000', 't,s=a v=0x10 1000', 't,s=a v=+1 1000', 't,s=a v= 1000', 't,s=a v="open 1000', 't,s=a v="bad\\x" 1000',
    't,s=a b\\qc=1 1000', 't,s= v=1 1000', 't v=1 12ab', 't v=9223372036854775808i 1', 't,s=a v=1 -5', 't,s=a v=1,v=2 1', 't v=1e400 1',
  ];
  for (const line of malformed) {
    const answer = await write(s, `${good}${good}${line}\n${good}`);
    assert.equal(answer.status, 400, line);
    assert.equal(answer.json?.code, 'invalid');
    assert.equal(answer.json?.line, 3, line);
    assert.match(answer.json?.message ?? '', /^failed to parse line protocol:errors encountered on line\(s\):\nerror in line 3: /);
    assert.ok(answer.json?.errorId);
  }
  assert.equal(s.rows('t').length, 1, 'rejected requests left no row');
});

test('column types are kept per table and a value of another kind is refused as QuestDB refuses it', async (t) => {
  const s = await startIlpServer();
  t.after(() => s.close());
  assert.equal((await write(s, 't n=1i,v=1.5,s="x" 1\n')).status, 204);
  assert.deepEqual(Object.fromEntries(s.tables.get('t')!.columns), { timestamp: 'TIMESTAMP', n: 'LONG', v: 'DOUBLE', s: 'VARCHAR' });
  assert.equal((await write(s, 't v=2i 2\n')).status, 204, 'an integer into a DOUBLE column is a widening QuestDB accepts');
  const bad = await write(s, 't n=2.5 3\n');
  assert.equal(bad.status, 400);
  assert.match(bad.json!.message, /table: t, column: n; cast error from protocol type: FLOAT to column type: LONG/);
  assert.equal((await write(s, 't s=true 4\n')).status, 400);
  assert.equal((await write(s, 'x a=1i 1\nx a=1.5 2\n')).json?.line, 2, 'a column a line introduced binds the lines after it in the same request');
});

test('precision sets the unit of designated timestamps; rows are upserted by their dedup key', async (t) => {
  const s = await startIlpServer();
  t.after(() => s.close());
  await fetch(`${s.url}/exec?query=${encodeURIComponent('CREATE TABLE d (k SYMBOL, v DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, k)')}`);
  assert.equal((await write(s, 'd,k=a v=1 1700000000000\nd,k=b v=2 1700000000000\n', 'ms')).status, 204);
  assert.equal((await write(s, 'd,k=a v=3 1700000000000000\n', 'u')).status, 204);
  assert.deepEqual(s.rows('d').map((r) => [r.k, r.v, r.ts]), [['a', 3, 1_700_000_000_000_000_000n], ['b', 2, 1_700_000_000_000_000_000n]]);
  assert.equal(s.stats.rowsSeenTwice, 1);
  const cols = await (await fetch(`${s.url}/exec?query=${encodeURIComponent('SHOW COLUMNS FROM d')}`)).json() as { columns: { name: string }[]; dataset: unknown[][]; count: number };
  assert.deepEqual(cols.columns.map((c) => c.name), ['column', 'type', 'indexed', 'indexBlockCapacity', 'symbolCached', 'symbolCapacity', 'designated', 'upsertKey']);
  assert.deepEqual(cols.dataset.map((r) => [r[0], r[1], r[6], r[7]]), [['k', 'SYMBOL', false, true], ['v', 'DOUBLE', false, false], ['ts', 'TIMESTAMP', true, true]]);
  const missing = await fetch(`${s.url}/exec?query=${encodeURIComponent('SHOW COLUMNS FROM nope')}`);
  assert.equal(missing.status, 400);
  assert.match(((await missing.json()) as { error: string }).error, /table does not exist/);
  const settings = await (await fetch(`${s.url}/settings`)).json() as { config: { 'line.proto.support.versions': number[] } };
  assert.deepEqual(settings.config['line.proto.support.versions'], [1, 2]);
});

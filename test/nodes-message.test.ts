import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataRecord, NodeInstance, Outputs } from '../server/core/types.js';
import { builtinNodes } from '../nodes/index.js';
import { configOf, createNode, nodeContext } from './helpers/node-context.js';

/**
 * The node types that Node-RED flows import into, as Sluice users meet them: stateful ones keep what they
 * hold across a checkpoint (snapshot → restore in a new instance) and act on journaled ticks, never on timers.
 */
const meta = (offset: number, ts: number) => ({ offset, ts });
const run = async (n: NodeInstance, records: DataRecord[], offset: number, ts: number) => (await n.process!(records, meta(offset, ts))) as Outputs;

test('delay holds records for their delay and releases them on the tick after it, even across a restart', async () => {
  const a = await createNode('delay', { mode: 'delay', delayMs: 1000 });
  assert.deepEqual((await run(a, [{ n: 1 }, { n: 2 }], 1, 10_000)).out, []);
  assert.deepEqual((a.tick!(10_500) as Outputs).out, []);
  const b = await createNode('delay', { mode: 'delay', delayMs: 1000 });
  b.restore!(structuredClone(a.snapshot!()));
  assert.deepEqual((b.tick!(11_000) as Outputs).out, [{ n: 1 }, { n: 2 }]);
  assert.deepEqual((b.tick!(12_000) as Outputs).out, []);
});

test('delay in rate mode lets one record per interval through, in order; with drop the others leave by dropped', async () => {
  const q = await createNode('delay', { mode: 'rate', intervalMs: 200 });
  assert.deepEqual((await run(q, [{ n: 1 }, { n: 2 }, { n: 3 }], 1, 1000)).out, [{ n: 1 }]);
  assert.deepEqual((q.tick!(1100) as Outputs).out, []);
  assert.deepEqual((q.tick!(1200) as Outputs).out, [{ n: 2 }]);
  assert.deepEqual((q.tick!(1400) as Outputs).out, [{ n: 3 }]);
  const d = await createNode('delay', { mode: 'rate', intervalMs: 200, drop: true });
  const out = await run(d, [{ n: 1 }, { n: 2 }], 1, 1000);
  assert.deepEqual([out.out, out.dropped], [[{ n: 1 }], [{ n: 2 }]]);
  assert.deepEqual((await run(d, [{ n: 3 }], 2, 1201)).out, [{ n: 3 }]);
});

test('delay refuses to hold more than maxQueued records: the rest go to error, nothing grows without bound', async () => {
  const d = await createNode('delay', { mode: 'delay', delayMs: 1000, maxQueued: 2 });
  const out = await run(d, [{ n: 1 }, { n: 2 }, { n: 3 }], 1, 0);
  assert.equal(out.error?.length, 1);
  assert.match(String(out.error![0]!.error), /holds 2 records already/);
});

test('trigger sends the first message, ignores records while waiting, and the second one on the tick after the wait', async () => {
  const t = await createNode('trigger', { first: { kind: 'string', value: 'on' }, second: { kind: 'string', value: 'off' }, durationMs: 500 });
  assert.deepEqual((await run(t, [{ payload: 'a' }, { payload: 'b' }], 1, 0)).out, [{ payload: 'on' }]);
  const restored = await createNode('trigger', { first: { kind: 'string', value: 'on' }, second: { kind: 'string', value: 'off' }, durationMs: 500 });
  restored.restore!(structuredClone(t.snapshot!()));
  assert.deepEqual((restored.tick!(400) as Outputs).out, []);
  assert.deepEqual((restored.tick!(600) as Outputs).out, [{ payload: 'off' }]);
  assert.deepEqual((await run(restored, [{ payload: 'c' }], 2, 700)).out, [{ payload: 'on' }], 'armed again once sent');
});

test('trigger as a watchdog (extend, nothing first) says "silent" only when a topic stops sending', async () => {
  const w = await createNode('trigger', { first: { kind: 'none' }, second: { kind: 'string', value: 'silent' }, durationMs: 1000, extend: true, byTopic: true });
  await run(w, [{ topic: 'a', payload: 1 }, { topic: 'b', payload: 1 }], 1, 0);
  await run(w, [{ topic: 'a', payload: 2 }], 2, 800);
  assert.deepEqual((w.tick!(1000) as Outputs).out, [{ topic: 'b', payload: 'silent' }]);
  assert.deepEqual((w.tick!(1800) as Outputs).out, [{ topic: 'a', payload: 'silent' }]);
});

test('join in manual mode sends a group after count records or after its timeout on a tick, and keeps a group across a restart', async () => {
  const cfg = { mode: 'manual', build: 'array', property: 'payload', count: 3, timeoutMs: 2000 };
  const j = await createNode('join', cfg);
  assert.deepEqual((await run(j, [{ payload: 1, topic: 't' }, { payload: 2, topic: 't' }], 1, 0)).out, []);
  const k = await createNode('join', cfg);
  k.restore!(structuredClone(j.snapshot!()));
  assert.deepEqual((await run(k, [{ payload: 3, topic: 't' }, { payload: 4, topic: 't' }], 2, 10)).out, [{ payload: [1, 2, 3], topic: 't' }]);
  assert.deepEqual((k.tick!(1000) as Outputs).out, []);
  assert.deepEqual((k.tick!(2010) as Outputs).out, [{ payload: [4], topic: 't' }]);
});

test('split then join (auto) gives back the array; parts ids come from the journal position, so a replay gives the same', async () => {
  const s = await createNode('split', {});
  const pieces = (await run(s, [{ payload: [10, 20, 30], topic: 'x' }], 7, 0)).out!;
  assert.deepEqual(pieces.map((p) => (p.parts as { id: string }).id), ['7.0', '7.0', '7.0']);
  const j = await createNode('join', { mode: 'auto' });
  assert.deepEqual((await run(j, [...pieces].reverse(), 8, 0)).out, [{ payload: [10, 20, 30], topic: 'x' }]);
});

test('switch and change compile their rules at deploy: a bad regular expression or property is refused with its path', () => {
  const sw = builtinNodes.find((d) => d.type === 'switch')!;
  const problems = sw.check!(configOf('switch', { property: 'payload[', rules: [{ op: 'regex', value: { kind: 'string', value: '(' } }] }) as never);
  assert.deepEqual(problems.map((p) => p.path), ['/property', '/rules/0/value/value']);
  const ch = builtinNodes.find((d) => d.type === 'change')!;
  assert.deepEqual(ch.check!(configOf('change', { rules: [{ action: 'set', property: 'a', to: { kind: 'json', value: '{' } }] }) as never).map((p) => p.path), ['/rules/0/to/value']);
});

test('range keeps values that are not numbers on invalid instead of dropping them', async () => {
  const r = await createNode('range', { inMin: 0, inMax: 10, outMin: 0, outMax: 100, action: 'clamp' });
  const out = await run(r, [{ payload: 5 }, { payload: 'warm' }, { payload: 20 }], 1, 0);
  assert.deepEqual(out.out, [{ payload: 50 }, { payload: 100 }]);
  assert.equal(out.invalid![0]!.reason, 'payload is not a number: "warm"');
});

test('a Node-RED function keeps its context in the checkpointed state and sends one failing message to error, not the batch', async (t) => {
  const code = `const n = (context.get('n') || 0) + 1;
context.set('n', n);
if (msg.payload === 'bad') throw new TypeError('no good');
if (msg.payload === 'warn') { node.error('rejected', msg); return null; }
msg.n = n;
return [msg, n % 2 ? null : { payload: 'even' }];`;
  const debug: unknown[] = [];
  const f = await createNode('function', { dialect: 'node-red', code, outputs: ['out2'] }, nodeContext({ nodeId: 'fn', debug: (v) => debug.push(v) }));
  t.after(() => f.stop!());
  const out = await run(f, [{ payload: 'a' }, { payload: 'bad' }, { payload: 'warn' }, { payload: 'b' }], 3, 0);
  assert.deepEqual(out.out, [{ payload: 'a', n: 1 }, { payload: 'b', n: 4 }]);
  assert.deepEqual(out.out2, [{ payload: 'even' }]);
  assert.deepEqual(out.error!.map((e) => e.error), ['TypeError: no good', 'rejected']);
  const g = await createNode('function', { dialect: 'node-red', code, outputs: ['out2'] }, nodeContext({ nodeId: 'fn' }));
  t.after(() => g.stop!());
  g.restore!(structuredClone(f.snapshot!()));
  assert.deepEqual((await run(g, [{ payload: 'c' }], 4, 0)).out, [{ payload: 'c', n: 5 }]);
});

test('a Node-RED function that does not parse is refused at deploy with the line and column of its own code', () => {
  const fn = builtinNodes.find((d) => d.type === 'function')!;
  const problems = fn.check!(configOf('function', { dialect: 'node-red', code: 'msg.payload = 1;\nreturn msg +;' }) as never);
  assert.deepEqual(problems, [{ path: '/code', message: 'SyntaxError: Unexpected token \';\' at line 2, column 13' }]);
  const init = fn.check!(configOf('function', { dialect: 'node-red', code: 'return msg;', initialize: 'let = ;' }) as never);
  assert.equal(init[0]!.path, '/initialize');
});

test('http-in with reply: flow journals the request as one record and answers with what http-response makes of it, or 504', async () => {
  const { IngressRegistry } = await import('../server/services/ingress.js');
  const ingress = new IngressRegistry();
  const journaled: DataRecord[] = [];
  const base = nodeContext();
  const ctx = nodeContext({ services: { ...base.services, ingress }, append: async (records) => { journaled.push(...records); return { offset: journaled.length }; } });
  const httpIn = await createNode('http-in', { path: 'user/:id', reply: 'flow', public: true, methods: ['GET'], replyTimeoutMs: 300 }, ctx);
  httpIn.start!();
  const response = await createNode('http-response', {}, nodeContext({ services: { ...base.services, ingress } }));
  const request = (path: string) => ingress.handler(path)!({ method: 'GET', path, query: { q: '1' }, search: 'q=1', headers: { cookie: 'a=b' }, body: (async function* () {})(), remoteAddress: '127.0.0.1' });

  const answered = request('user/42');
  await new Promise((r) => setTimeout(r, 20));
  const record = journaled[0]!;
  assert.deepEqual([record.payload, (record.req as { params: unknown }).params, (record.req as { cookies: unknown }).cookies], [{ q: '1' }, { id: '42' }, { a: 'b' }]);
  assert.deepEqual(await run(response, [{ ...record, payload: { ok: true }, statusCode: 201 }], 1, 0), { unanswered: [] });
  assert.deepEqual(await answered, { status: 201, headers: {}, body: { ok: true } });

  assert.equal((await request('user/7')).status, 504, 'nothing answered within replyTimeoutMs');
  const late = await run(response, [journaled[1]!], 2, 0);
  assert.match(String(late.unanswered![0]!.reason), /no longer waiting/);
  httpIn.stop!();
});

test('Node-RED code runs in the same sandbox: no require, no environment, no Node process, no Buffer', async (t) => {
  const f = await createNode('function', { dialect: 'node-red', code: 'return { payload: [typeof require, typeof process.env, typeof Buffer, typeof setTimeout, env.get("HOME")] };' });
  t.after(() => f.stop!());
  assert.deepEqual((await run(f, [{}], 1, 0)).out, [{ payload: ['undefined', 'undefined', 'undefined', 'undefined', null] }]);
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import type { BatchMeta, DataRecord, NodeContext, NodeInstance, Outputs } from '../server/core/types.js';
import { createNode, nodeContext } from './helpers/node-context.js';
import { waitFor } from './helpers/wait.js';

const meta: BatchMeta = { offset: 1, ts: 1_700_000_000_000 };
const readings: DataRecord[] = [
  { ts: 1, sensor: 'a', value: 10 },
  { ts: 2, sensor: 'b', value: 35 },
  { ts: 3, sensor: 'a', value: 40 },
];

/** A function node running `code`, stopped when the test ends. */
async function fn(t: TestContext, code: string, more: object = {}, ctx: NodeContext = nodeContext()): Promise<NodeInstance> {
  const node = await createNode('function', { code, ...more }, ctx);
  t.after(() => node.stop!());
  return node;
}

const run = (node: NodeInstance, batch: readonly DataRecord[], m: BatchMeta = meta) => node.process!(batch, m) as Promise<Outputs>;
const body = (lines: string) => `export function process(records, ctx) {\n${lines}\n}\n`;

test('map: each record becomes the record the code returns', async (t) => {
  const node = await fn(t, body('  return records.map((r) => ({ ...r, f: r.value * 1.8 + 32 }));'));
  assert.deepEqual(await run(node, readings), { out: [
    { ts: 1, sensor: 'a', value: 10, f: 50 },
    { ts: 2, sensor: 'b', value: 35, f: 95 },
    { ts: 3, sensor: 'a', value: 40, f: 104 },
  ] });
});

test('filter: records the code leaves out are not emitted, and [] emits nothing', async (t) => {
  const node = await fn(t, body('  return records.filter((r) => r.sensor === "a");'));
  assert.deepEqual(await run(node, readings), { out: [readings[0], readings[2]] });
  assert.deepEqual(await run(node, [{ sensor: 'z' }]), { out: [] });
});

test('split to ports: { port: records } with the extra ports declared in outputs', async (t) => {
  const node = await fn(t, body('  return { hot: records.filter((r) => r.value > 30), cold: records.filter((r) => r.value <= 30), out: [{ n: records.length }] };'), { outputs: ['hot', 'cold'] });
  assert.deepEqual(await run(node, readings), {
    hot: [readings[1], readings[2]], cold: [readings[0]], out: [{ n: 3 }],
  });
});

test('a port the config does not declare, or the error port, is refused with the declared ones named', async (t) => {
  const node = await fn(t, body('  return records[0].port === "error" ? { error: records } : { warm: records };'), { outputs: ['hot'] });
  await assert.rejects(run(node, [{ port: 'warm' }]), /port "warm", which is not declared; ports: out, hot/);
  await assert.rejects(run(node, [{ port: 'error' }]), /port "error", which is not declared/);
});

test('ctx.state persists across batches, and a failing batch leaves it unchanged', async (t) => {
  const node = await fn(t, body([
    '  for (const r of records) ctx.state[r.sensor] = (ctx.state[r.sensor] ?? 0) + 1;',
    '  if (records.some((r) => r.fail)) throw new Error("refused");',
    '  return [{ counts: ctx.state }];',
  ].join('\n')));
  assert.deepEqual(await run(node, readings), { out: [{ counts: { a: 2, b: 1 } }] });
  await assert.rejects(run(node, [{ sensor: 'a', fail: true }]), /refused/);
  assert.deepEqual(await run(node, [{ sensor: 'b' }]), { out: [{ counts: { a: 2, b: 2 } }] });
  assert.deepEqual(node.snapshot!(), { a: 2, b: 2 });
});

test('ctx.state survives snapshot and restore into a new instance (a restart)', async (t) => {
  const code = body('  ctx.state = { total: (ctx.state.total ?? 0) + records.length };\n  return [{ total: ctx.state.total, offset: ctx.offset, node: ctx.nodeId }];');
  const first = await fn(t, code);
  await run(first, readings);
  await run(first, readings);
  const saved = JSON.parse(JSON.stringify(first.snapshot!())) as unknown;
  const second = await fn(t, code, {}, nodeContext({ nodeId: 'again' }));
  second.restore!(saved);
  assert.deepEqual(await run(second, readings, { offset: 9, ts: 0 }), { out: [{ total: 9, offset: 9, node: 'again' }] });
});

test('console.log reaches the debug sidebar, per line, objects as JSON', async (t) => {
  const shown: unknown[] = [];
  const node = await fn(t, body('  console.log("batch of", records.length, { first: records[0].sensor });\n  console.warn("careful");\n  return records;'), {}, nodeContext({ debug: (v) => shown.push(v) }));
  await run(node, readings);
  assert.deepEqual(shown, [{ console: 'log', text: 'batch of 3 {"first":"a"}' }, { console: 'warn', text: 'careful' }]);
});

test('console output of a batch that fails still reaches the debug sidebar; a flood is capped at 100 lines', async (t) => {
  const shown: { console: string; text: string }[] = [];
  const node = await fn(t, body('  for (let i = 0; i < 5000; i++) console.log("line", i);\n  throw new Error("after logging");'), {}, nodeContext({ debug: (v) => shown.push(v as never) }));
  await assert.rejects(run(node, readings), /after logging/);
  assert.equal(shown.length, 101);
  assert.deepEqual(shown[99], { console: 'log', text: 'line 99' });
  assert.match(shown[100]!.text, /4900 more console lines/);
});

test('an infinite loop is stopped at timeoutMs, the batch fails with the reason, and the next batch runs', async (t) => {
  const node = await fn(t, body('  if (records[0].loop) for (;;) {}\n  ctx.state.n = (ctx.state.n ?? 0) + 1;\n  return [{ n: ctx.state.n }];'), { timeoutMs: 200 });
  assert.deepEqual(await run(node, [{}]), { out: [{ n: 1 }] });
  await assert.rejects(run(node, [{ loop: true }]), /ran longer than 200 ms \(timeoutMs\); the sandbox was restarted/);
  assert.deepEqual(await run(node, [{}]), { out: [{ n: 2 }] });
});

test('a memory bomb growing towards 1 GB is stopped at memoryMb, the batch fails, and the next batch runs', async (t) => {
  const node = await fn(t, body([
    '  if (records[0].bomb) {',
    '    const chunks = [];',
    '    for (let i = 0; i < 1024; i++) chunks.push(new Array(128 * 1024).fill(i));',
    '    return [{ chunks: chunks.length }];',
    '  }',
    '  return records;',
  ].join('\n')), { memoryMb: 32, timeoutMs: 5000 });
  await assert.rejects(run(node, [{ bomb: true }]), /exceeded the memory limit of 32 MB \(memoryMb\); the sandbox was restarted/);
  assert.deepEqual(await run(node, [{ ok: 1 }]), { out: [{ ok: 1 }] });
});

test('a single 1 GB allocation cannot take the server down: refused or cut off, and the next batch runs', async (t) => {
  // One huge array makes V8 fill it in native code that neither the time nor the memory limit can
  // interrupt; the sandbox process is then killed by the host's watchdog. A huge ArrayBuffer is refused outright.
  const node = await fn(t, body([
    '  if (records[0].buffer) new ArrayBuffer(1024 ** 3);',
    '  if (records[0].array) new Array(2 ** 27).fill(0);',
    '  return records;',
  ].join('\n')), { timeoutMs: 200 });
  await assert.rejects(run(node, [{ buffer: true }]), /RangeError: Array buffer allocation failed at line 2, column 26/);
  await assert.rejects(run(node, [{ array: true }]), /sandbox process did not answer within 2200 ms and was killed; the next batch starts a new one/);
  assert.deepEqual(await run(node, [{ ok: 2 }]), { out: [{ ok: 2 }] });
});

test('no require, file system, network or host process: require(\'fs\') is a ReferenceError at its line', async (t) => {
  const node = await fn(t, body('  const fs = require("fs");\n  return [{ fs: typeof fs }];'));
  await assert.rejects(run(node, [{}]), /^Error: ReferenceError: require is not defined at line 2, column 14$/);
});

test('probing globalThis and process finds only the language and the user\'s own function', async (t) => {
  const node = await fn(t, body([
    '  const g = Object.getOwnPropertyNames(globalThis);',
    '  const escape = (() => { try { return typeof this.constructor.constructor("return process")().env; } catch (e) { return e.name; } })();',
    '  return [{',
    '    found: ["require", "module", "exports", "Buffer", "fetch", "setTimeout", "setImmediate", "queueMicrotask", "XMLHttpRequest", "WebSocket", "__dirname", "global"].filter((n) => g.includes(n)),',
    '    processIsMine: globalThis.process === process, env: typeof process.env, exit: typeof process.exit, escape,',
    '  }];',
  ].join('\n')));
  assert.deepEqual(await run(node, [{}]), { out: [{ found: [], processIsMine: true, env: 'undefined', exit: 'undefined', escape: 'undefined' }] });
});

test('records are passed by copy: prototype tricks inside the sandbox do not reach the host', async (t) => {
  const node = await fn(t, body([
    '  records[0].__proto__.polluted = "yes";',
    '  Object.prototype.hacked = true;',
    '  Array.prototype.push = () => 0;',
    '  records[0].value = -1;',
    '  return records;',
  ].join('\n')));
  const batch = [{ sensor: 'a', value: 1 }];
  const out = await run(node, batch);
  assert.deepEqual(batch, [{ sensor: 'a', value: 1 }], 'the input batch is untouched');
  assert.deepEqual(out, { out: [{ sensor: 'a', value: -1 }] });
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.equal(({} as { hacked?: unknown }).hacked, undefined);
  assert.equal(Object.getPrototypeOf(out.out![0]), Object.prototype);
});

test('what comes back is plain JSON: no functions, no getters, no prototype', async (t) => {
  const node = await fn(t, body([
    '  const sneaky = { fn() { return 1; }, get g() { return 2; }, n: NaN, u: undefined, d: new Date(0) };',
    '  Object.defineProperty(sneaky, "__proto__", { value: { evil: true }, enumerable: true });',
    '  return [sneaky];',
  ].join('\n')));
  const out = await run(node, [{}]);
  const r = out.out![0]!;
  assert.deepEqual(Object.keys(r), ['g', 'n', 'd', '__proto__']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(r, 'g'), { value: 2, writable: true, enumerable: true, configurable: true });
  assert.equal(r.n, null);
  assert.equal(r.d, '1970-01-01T00:00:00.000Z');
  assert.equal(Object.getPrototypeOf(r), Object.prototype, 'a "__proto__" key is an own property, not the prototype');
  assert.equal((r as { evil?: unknown }).evil, undefined);
});

const refused: { returns: string; message: RegExp }[] = [
  { returns: '42', message: /process must return an array of records or \{ port: records \}, got a number \(42\)/ },
  { returns: '"text"', message: /got a string \("text"\)/ },
  { returns: 'null', message: /got null/ },
  { returns: 'undefined', message: /process returned undefined \(or a function\)/ },
  { returns: '() => records', message: /process returned undefined \(or a function\)/ },
  { returns: '[1, { ok: true }]', message: /process returned a number \(1\) as record 0 of port "out"; every record must be an object/ },
  { returns: '[{}, [1]]', message: /an array as record 1 of port "out"/ },
  { returns: '{ out: { a: 1 } }', message: /process returned an object for port "out"; expected an array of records/ },
  { returns: 'Promise.resolve(records)', message: /TypeError: process returned a Promise; return the records themselves/ },
  { returns: '(() => { const a = {}; a.self = a; return [a]; })()', message: /TypeError: Converting circular structure to JSON/ },
  { returns: '[{ big: 10n }]', message: /TypeError: Do not know how to serialize a BigInt/ },
];

test('results that are not records are errors with a clear message', async (t) => {
  for (const c of refused) {
    const node = await fn(t, body(`  return ${c.returns};`));
    await assert.rejects(run(node, [{}]), c.message, c.returns);
  }
});

test('an exception in user code fails the batch with its message and the line and column in the code', async (t) => {
  const node = await fn(t, [
    '// converts readings',
    'function check(r) {',
    '  if (r.value < 0) throw new RangeError(`negative value ${r.value} from ${r.sensor}`);',
    '}',
    'export function process(records, ctx) {',
    '  records.forEach(check);',
    '  return records.map((r) => r.pos.lat);',
    '}',
  ].join('\n'));
  await assert.rejects(run(node, [{ sensor: 'x', value: -3 }]), (err: Error) => {
    assert.equal(err.message, 'RangeError: negative value -3 from x at line 3, column 26');
    return true;
  });
  await assert.rejects(run(node, [{ value: 1 }]), /^Error: TypeError: Cannot read properties of undefined \(reading 'lat'\) at line 7, column 35$/);
});

test('a thrown non-Error value is described', async (t) => {
  const node = await fn(t, body('  throw { code: 7 };'));
  await assert.rejects(run(node, [{}]), /a non-Error value was thrown: \{"code":7\}/);
});

test('code whose top level throws cannot be created, with the line', async () => {
  await assert.rejects(createNode('function', { code: 'const x = null;\nx.y = 1;\nexport function process(r) { return r; }' }), /loading the code failed: TypeError: Cannot set properties of null \(setting 'y'\) at line 2, column 5/);
});

/** Pids of the live sandbox processes this test process started (from /proc: no tool needed). */
function sandboxPids(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(ppid) === process.pid && state !== 'Z' && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('sandbox-process');
    } catch {
      return false; // the process ended while we looked
    }
  });
}

test('a sandbox process that dies (kill -9) fails only the batch in flight; the next batch gets a new process', async (t) => {
  const node = await fn(t, body('  if (records[0].spin) { const end = Date.now() + 4000; while (Date.now() < end); }\n  return records;'), { timeoutMs: 5000 });
  const [pid] = sandboxPids();
  assert.ok(pid, 'the sandbox runs in a child process of the server');
  const spinning = run(node, [{ spin: true }]);
  await new Promise((r) => setTimeout(r, 200));
  process.kill(pid, 'SIGKILL');
  await assert.rejects(spinning, /the sandbox process stopped \(SIGKILL\); it is restarted for the next batch/);
  assert.deepEqual(await run(node, [{ after: 1 }]), { out: [{ after: 1 }] });
  const [next] = sandboxPids();
  assert.ok(next && next !== pid, 'a new process serves the next batch');
  node.stop!();
  await waitFor('the stopped node to leave no process behind', () => sandboxPids().length === 0);
});

test('work queued as promise callbacks is under the same time limit', async (t) => {
  const node = await fn(t, body('  if (records[0].spin) Promise.resolve().then(() => { for (;;) {} });\n  return records;'), { timeoutMs: 200 });
  await assert.rejects(run(node, [{ spin: true }]), /ran longer than 200 ms/);
  assert.deepEqual(await run(node, [{ ok: 3 }]), { out: [{ ok: 3 }] });
});

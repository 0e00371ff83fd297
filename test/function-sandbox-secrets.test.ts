import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { received } from './fixtures/test-nodes.js';
import { openApp } from './helpers/api-app.js';
import { childProcesses } from './helpers/sluice-cli.js';
import { waitFor } from './helpers/wait.js';

/** Each probe is an expression run inside the sandbox; its value (or the error's name) is reported. */
const PROBES: { [name: string]: string } = {
  processEnv: 'String(globalThis.process.env)',
  processIsUsers: 'globalThis.process === process',
  require: 'typeof require',
  module: 'typeof module',
  fetch: 'typeof fetch',
  functionConstructor: '(function () {}).constructor("return typeof this.process.env")()',
  constructorOfConstructor: 'String(this.constructor.constructor("return process")().env)',
  arrowConstructor: '(() => {}).constructor("return Object.keys(globalThis).join()")()',
  evalGlobal: '(0, eval)("typeof process.mainModule")',
  stackFrames: '(() => { Error.prepareStackTrace = (e, frames) => frames.map((f) => String(f.getFileName())); const s = new Error().stack; Error.prepareStackTrace = undefined; return s.join(); })()',
  procEnviron: '(() => { for (const name of Object.getOwnPropertyNames(globalThis)) { const v = globalThis[name]; if (v && typeof v.readFileSync === "function") return "readFileSync on " + name; } return "no reader"; })()',
  dynamicImport: 'globalThis.imported',
  ctxKeys: 'Object.keys(ctx).sort().join()',
  secretText: '"${secret:" + "OTHER_NODE_KEY}"',
};

const code = [
  '// Started at load: if a module loader were reachable, the promise would settle with the module.',
  'try { import("node:fs").then((m) => { globalThis.imported = "loaded " + typeof m.readFileSync; }, (e) => { globalThis.imported = "refused: " + e.name; }); } catch (e) { globalThis.imported = "threw " + e.name; }',
  'export function process(records, ctx) {',
  '  const out = {};',
  ...Object.entries(PROBES).map(([name, expr]) => `  try { out.${name} = ${expr}; } catch (e) { out.${name} = "threw " + e.name; }`),
  '  out.globals = Object.getOwnPropertyNames(globalThis);',
  '  return [out];',
  '}',
].join('\n');

/** Every global of a fresh V8 context, plus what the glue installs (`console`) and the user's `process`. */
const LANGUAGE = new Set([
  'Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt', 'Infinity', 'NaN', 'undefined', 'Boolean', 'String', 'Symbol', 'Date',
  'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError',
  'globalThis', 'JSON', 'Math', 'Intl', 'ArrayBuffer', 'Atomics', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array',
  'Int32Array', 'Float32Array', 'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array', 'DataView', 'Map', 'BigInt', 'Set',
  'WeakMap', 'WeakSet', 'Proxy', 'Reflect', 'FinalizationRegistry', 'WeakRef', 'decodeURI', 'decodeURIComponent', 'encodeURI',
  'encodeURIComponent', 'escape', 'unescape', 'eval', 'isFinite', 'isNaN', 'SharedArrayBuffer', 'WebAssembly', 'Iterator', 'Float16Array',
  'console', 'process', 'imported',
]);

test('user code finds no environment, no host, no loader and no other node\'s secret, however it asks', async (t) => {
  process.env.SLUICE_SECRET_OTHER_NODE_KEY = `other-${randomUUID()}`;
  t.after(() => { delete process.env.SLUICE_SECRET_OTHER_NODE_KEY; });
  const { app, runtime } = await openApp(t);
  runtime.setSecret('STORED_KEY', `stored-${randomUUID()}`);
  const id = `sbx-${randomUUID().slice(0, 8)}`;
  const sink = `${id}-sink`;
  t.after(() => received.delete(sink));
  const doc = {
    sluice: 1, id,
    nodes: [
      // Another node of the same flow holds a resolved secret in its config.
      { id: 'holder', type: 'simulate', config: { sensors: 1, ratePerSecond: 1, sensorPrefix: '${secret:STORED_KEY}' } },
      { id: 'feed', type: 'test-feed', config: { count: 1 } },
      { id: 'fn', type: 'function', config: { code } },
      { id: sink, type: 'test-sink' },
    ],
    wires: [{ from: 'feed', to: 'fn' }, { from: 'fn', to: sink }],
  };
  const res = await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: doc });
  assert.equal(res.statusCode, 200, res.body);
  const [out] = (await waitFor('the probes ran', () => received.get(sink)))!;
  t.diagnostic(JSON.stringify(out));
  const { globals, ...probes } = out as { globals: string[]; [k: string]: unknown };
  assert.equal(probes.processEnv, 'undefined', 'process is the user\'s own function: it has no env');
  assert.equal(probes.processIsUsers, true);
  assert.equal(probes.require, 'undefined');
  assert.equal(probes.module, 'undefined');
  assert.equal(probes.fetch, 'undefined');
  assert.equal(probes.functionConstructor, 'undefined', 'the Function constructor builds functions of the isolate, not the host');
  assert.equal(probes.constructorOfConstructor, 'undefined');
  assert.doesNotMatch(String(probes.arrowConstructor), /require|Buffer|fetch|setTimeout/);
  assert.equal(probes.evalGlobal, 'undefined');
  assert.doesNotMatch(String(probes.stackFrames), /\.js|node:/, 'stack frames name only the user\'s code and the glue');
  assert.equal(probes.procEnviron, 'no reader', 'nothing reachable can read /proc/self/environ');
  assert.match(String(probes.dynamicImport), /^(refused|threw)/, 'import() has no module loader behind it');
  assert.equal(probes.ctxKeys, 'flowId,nodeId,offset,state,ts', 'ctx holds the batch\'s place and the node\'s own state, nothing of other nodes');
  assert.equal(probes.secretText, '${secret:OTHER_NODE_KEY}', 'text that looks like a reference, built at run time, stays text');
  assert.deepEqual(globals.filter((g) => !LANGUAGE.has(g)), [], 'every global is the language\'s, the console or the user\'s');
  const text = JSON.stringify(out);
  assert.ok(!text.includes(process.env.SLUICE_SECRET_OTHER_NODE_KEY!) && !text.includes('stored-'), 'no secret value reached the output');
});

test('a reference in a function node\'s config is refused at deploy, naming the path', async (t) => {
  const { app } = await openApp(t);
  const id = `sbx-${randomUUID().slice(0, 8)}`;
  const doc = {
    sluice: 1, id,
    nodes: [
      { id: 'feed', type: 'test-feed', config: { count: 1 } },
      { id: 'fn', type: 'function', config: { code: 'export function process(r) {\n  return [{ k: "${secret:vendor_key}", p: "${env:PATH}" }];\n}\n' } },
    ],
    wires: [{ from: 'feed', to: 'fn' }],
  };
  const res = await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: doc });
  assert.equal(res.statusCode, 400);
  const reason = 'its code could hand the value to anyone who reads its output; the sandbox gets no secrets and no environment';
  assert.deepEqual((res.json() as { problems: unknown[] }).problems, [
    { nodeId: 'fn', path: '/nodes/1/config/code', message: `\${secret:vendor_key} cannot be used in a function node: ${reason}` },
    { nodeId: 'fn', path: '/nodes/1/config/code', message: `\${env:PATH} cannot be used in a function node: ${reason}` },
  ]);
});

test('the sandbox process is forked with an empty environment: /proc/<pid>/environ holds only Node\'s IPC channel', async (t) => {
  process.env.SLUICE_SECRET_ENVIRON_PROBE = `environ-${randomUUID()}`;
  t.after(() => { delete process.env.SLUICE_SECRET_ENVIRON_PROBE; });
  const { app } = await openApp(t);
  const id = `sbx-${randomUUID().slice(0, 8)}`;
  const doc = {
    sluice: 1, id,
    nodes: [{ id: 'feed', type: 'test-feed', config: { count: 1 } }, { id: 'fn', type: 'function', config: {} }],
    wires: [{ from: 'feed', to: 'fn' }],
  };
  assert.equal((await app.inject({ method: 'POST', url: `/api/flows/${id}/deploy`, payload: doc })).statusCode, 200);
  const pids = childProcesses(process.pid, 'sandbox-process');
  assert.ok(pids.length > 0, 'a sandbox process runs');
  for (const pid of pids) {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    assert.ok(!environ.includes(process.env.SLUICE_SECRET_ENVIRON_PROBE!), 'the secret from the environment is not there');
    assert.deepEqual(environ.split('\0').filter(Boolean).map((v) => v.split('=')[0]).sort(), ['NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']);
  }
});

import { Type } from '@sinclair/typebox';
import { ERROR_PORT } from '../server/core/flow-format.js';
import { defineNode } from '../server/core/define-node.js';
import type { ConfigProblem, Outputs } from '../server/core/types.js';
import { readEnvelope, toOutputs } from './function/envelope.js';
import { SandboxHost } from './function/sandbox-host.js';
import { checkNodeRedCode, nodeRedSource } from './function/node-red-compat.js';
import { checkCode, MISSING_PROCESS, toScript } from './function/user-code.js';

const DEFAULT_CODE = `export function process(records, ctx) {
  return records;
}
`;

const config = Type.Object({
  code: Type.String({ title: 'Code',
    default: DEFAULT_CODE, maxLength: 1_000_000,
    description: 'JavaScript declaring `export function process(records, ctx)`; it returns records, or `{ port: records }`.',
  }),
  outputs: Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }), { title: 'Outputs',
    default: [], uniqueItems: true, description: 'Extra output ports the code may return records on, besides `out`, e.g. ["hot", "cold"].',
  }),
  dialect: Type.Union([Type.Literal('sluice'), Type.Literal('node-red')], {
    title: 'Code style', default: 'sluice',
    description: '`sluice`: `export function process(records, ctx)` per batch; `node-red`: the body of a Node-RED function, run once per record with `msg`, `node`, `context`, `flow`, `global` (see the docs).',
  }),
  initialize: Type.String({ title: 'On start (node-red)', default: '', maxLength: 1_000_000, description: 'node-red: code run once before the first record after each start, with `node`, `context`, `flow`, `global`.' }),
  memoryMb: Type.Integer({ title: 'Memory (MB)', default: 64, minimum: 8, maximum: 4096, description: 'Heap limit of the sandbox in MB.' }),
  timeoutMs: Type.Integer({ title: 'Timeout (ms)', default: 1000, minimum: 1, maximum: 60_000, description: 'Wall-time limit of one call of `process` in ms.' }),
}, { additionalProperties: false });

function checkConfig(cfg: { code: string; outputs: string[]; dialect: string; initialize: string }): ConfigProblem[] {
  const problems = cfg.dialect === 'node-red' ? checkNodeRedCode(cfg.code, cfg.initialize) : checkCode(cfg.code);
  cfg.outputs.forEach((port, i) => {
    if (port === ERROR_PORT) problems.push({ path: `/outputs/${i}`, message: `"${ERROR_PORT}" is the port of failed batches; choose another name` });
  });
  return problems;
}

export default defineNode({
  type: 'function',
  category: 'process',
  label: 'function',
  inputs: { in: 'records' },
  outputs: { out: 'the records process returned (or returned for `out`)' },
  configOutputs: (cfg) => cfg.outputs,
  config,
  check: checkConfig,
  // Code that never names `state` keeps none; otherwise its state is one object over every record it sees.
  stateKeys: (cfg) => (/\bstate\b/.test(cfg.code) ? [] : undefined),
  refusesReferences: 'its code could hand the value to anyone who reads its output; the sandbox gets no secrets and no environment',
  // User code fails the same way on every attempt; the batch goes straight to `error` (set `retry` to change that).
  retry: { maxAttempts: 1 },
  docs: `Runs your JavaScript on every batch, in a sandbox: an isolated V8 heap (isolated-vm) in a separate
process, with no \`require\`, file system, network or \`process\`.

\`\`\`js
export function process(records, ctx) {
  ctx.state.seen = (ctx.state.seen ?? 0) + records.length;
  console.log('batch of', records.length);
  return {
    hot: records.filter((r) => r.value > 30),
    cold: records.filter((r) => r.value <= 30),
  };
}
\`\`\`
with \`"outputs": ["hot", "cold"]\`.

**\`process(records, ctx)\`** receives a copy of the batch (plain JSON objects) and returns either an array
of records (sent to \`out\`) or \`{ port: records }\` for \`out\` and the ports declared in \`outputs\`.
Every record must be an object; the result is converted to JSON (\`undefined\` fields vanish, \`NaN\` becomes
\`null\`). Return \`[]\` to emit nothing; returning anything else is an error. \`process\` is synchronous:
\`async\` functions and returned Promises are refused, because the time limit could not cover them.

**\`ctx\`**: \`state\` (an object you may change or replace; it must be JSON and is saved with every
checkpoint, so it survives restarts; changes made by a failed call are discarded), \`nodeId\`, \`flowId\`,
\`offset\` and \`ts\` (journal position and time of the batch). \`console.log\`/\`info\`/\`warn\`/\`error\`
write to the debug sidebar (at most 100 lines per batch).

**Limits**: \`memoryMb\` (default 64) and \`timeoutMs\` (default 1000) per call. Code that exceeds either,
throws, or returns something invalid sends the whole batch to \`error\` with the reason (and the line and
column in your code for exceptions); the sandbox is rebuilt and the next batch runs normally. Top-level code
runs once when the node starts and again after a rebuild, so keep it free of side effects that matter.

**Node-RED code** (\`"dialect": "node-red"\`, what an import of a Node-RED function node gives): \`code\` is the
body of a Node-RED function, run once per record in order with \`msg\` (the record, plus \`_msgid\`):
\`return msg\` sends it on \`out\`; \`return [a, b]\` sends \`a\` on \`out\` and \`b\` on \`out2\` (declare \`"outputs":
["out2"]\`), \`[[a1, a2], b]\` several per output, \`null\` nothing; \`node.send(msgs)\` sends at once (before
what is returned). \`node.warn\`/\`log\`/\`error\` write to the debug sidebar; \`node.error(text, msg)\` and an
exception send that record to \`error\` with the message (as Node-RED's catch nodes see it), and the rest of
the batch goes on. \`node.status({ text })\` sets the node's status. \`context\`, \`flow\` and \`global\` \`get\`/
\`set\`/\`keys\` (callbacks allowed) keep JSON values in the node's checkpointed state: they survive restarts, but
\`flow\` and \`global\` are this node's own, not shared with other nodes. \`env.get\` knows \`NR_NODE_ID\`,
\`NR_NODE_NAME\` and \`NR_FLOW_ID\` only. \`initialize\` runs before the first record after each start. Not
available: timers (\`setTimeout\`), Promises and \`await\`, \`require\` and external modules, Buffers.

**Deploy** refuses code that does not parse (with line and column) or has no \`export function process\`,
and any \`\${secret:…}\` or \`\${env:…}\` reference in the config: the sandbox process starts with an empty
environment and sees only this node's code, so no secret can reach it.`,

  async create(cfg, ctx) {
    const nodeRed = cfg.dialect === 'node-red';
    const script = toScript(nodeRed ? nodeRedSource(cfg.code, cfg.initialize) : cfg.code);
    if (script === undefined) throw new Error(MISSING_PROCESS);
    // Node-RED code fails one message at a time (a throw, node.error(text, msg)): those records leave by `error`.
    const ports = new Set(['out', ...cfg.outputs, ...(nodeRed ? [ERROR_PORT] : [])]);
    const nodeRedInfo = nodeRed ? { nodeRed: { name: ctx.nodeName === ctx.nodeId ? '' : ctx.nodeName, outputs: 1 + cfg.outputs.length } } : {};
    const host = new SandboxHost({ script, memoryMb: cfg.memoryMb, timeoutMs: cfg.timeoutMs });
    await host.start();
    let state: unknown = {};

    return {
      async process(batch, meta): Promise<Outputs> {
        const reply = await host.run({
          records: JSON.stringify(batch),
          meta: JSON.stringify({ flowId: ctx.flowId, nodeId: ctx.nodeId, offset: meta.offset, ts: meta.ts, ...nodeRedInfo }),
          state: JSON.stringify(state),
        });
        if ('failure' in reply) throw new Error(reply.failure);
        const answer = readEnvelope(reply.envelope);
        for (const line of answer.logs) {
          if (nodeRed && line.level === 'info' && line.text.startsWith('status: ')) ctx.status({ state: 'running', text: line.text.slice(8) });
          else ctx.debug({ console: line.level, text: line.text });
        }
        if (answer.dropped > 0) ctx.debug({ console: 'warn', text: `${answer.dropped} more console lines of this batch were not shown` });
        if (!answer.ok) throw new Error(answer.error);
        const outputs = toOutputs(answer.result, ports);
        state = answer.state;
        return outputs;
      },
      snapshot: () => state,
      restore(saved) {
        state = saved;
      },
      stop() {
        host.stop();
      },
    };
  },
});

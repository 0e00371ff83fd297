import vm from 'node:vm';
import type { ConfigProblem } from '../../server/core/types.js';
import { CODE_FILENAME, toScript } from './user-code.js';

/**
 * Node-RED's function node on top of the sandbox: the user writes a Node-RED function body (`msg` in
 * scope, `return msg`, `return [a, b]`, `node.send`, `context.get`, …) and this builds the classic script
 * the sandbox runs, with a `process(records, ctx)` that calls the body once per record in order.
 *
 * The body is the script's first line onwards (after a prefix on line 1), so line numbers in errors are the
 * user's own. `context`, `flow` and `global` live in the node's checkpointed state (`ctx.state`); flow and
 * global are this node's own copies, not shared with other nodes.
 */
const PREFIX = 'function __nrBody(msg, node, context, flow, global, env, RED) {';

const RUNTIME = String.raw`
var __nrInitDone = false;
function __nrRun(records, ctx) {
  var st = ctx.state;
  if (st === null || typeof st !== 'object') st = ctx.state = {};
  var info = ctx.nodeRed;
  var outputs = {}, errors = [];
  function portName(i) { return i === 0 ? 'out' : 'out' + (i + 1); }
  function copy(m) { var c = JSON.parse(JSON.stringify(m)); delete c._msgid; return c; }
  function keysOf(k) { return Array.isArray(k) ? k : [k]; }
  function walk(obj, key) {
    var parts = String(key).replace(/\[(\d+)\]/g, '.$1').replace(/\["([^"]*)"\]|\['([^']*)'\]/g, function (_m, a, b) { return '.' + (a !== undefined ? a : b); }).split('.');
    return parts;
  }
  function read(obj, key) {
    var parts = walk(obj, key), v = obj;
    for (var i = 0; i < parts.length; i++) { if (v === null || typeof v !== 'object') return undefined; v = v[parts[i]]; }
    return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
  }
  function write(obj, key, value) {
    var parts = walk(obj, key), o = obj;
    for (var i = 0; i < parts.length - 1; i++) { if (o[parts[i]] === null || typeof o[parts[i]] !== 'object') o[parts[i]] = {}; o = o[parts[i]]; }
    if (value === undefined) delete o[parts[parts.length - 1]];
    else o[parts[parts.length - 1]] = JSON.parse(JSON.stringify(value));
  }
  function store(name) {
    if (st[name] === null || typeof st[name] !== 'object') st[name] = {};
    return {
      get: function (key, a, b) {
        var cb = typeof a === 'function' ? a : b;
        var values = keysOf(key).map(function (k) { return read(st[name], k); });
        if (cb) { cb.apply(null, [null].concat(values)); return undefined; }
        return Array.isArray(key) ? values : values[0];
      },
      set: function (key, value, a, b) {
        var cb = typeof a === 'function' ? a : b;
        if (Array.isArray(key)) key.forEach(function (k, i) { write(st[name], k, value ? value[i] : undefined); });
        else write(st[name], key, value);
        if (cb) cb(null);
      },
      keys: function (a, b) { var cb = typeof a === 'function' ? a : b; var k = Object.keys(st[name]); if (cb) { cb(null, k); return undefined; } return k; },
    };
  }
  var context = store('context'), flow = store('flow'), global = store('global');
  context.flow = flow; context.global = global;
  var envValues = { NR_NODE_ID: ctx.nodeId, NR_NODE_NAME: info.name, NR_FLOW_ID: ctx.flowId };
  var env = { get: function (name) { return Object.prototype.hasOwnProperty.call(envValues, name) ? envValues[name] : undefined; } };
  var RED = { util: { cloneMessage: function (m) { return JSON.parse(JSON.stringify(m)); } } };
  function text(v) { if (typeof v === 'string') return v; if (v instanceof Error) return String(v); try { return JSON.stringify(v); } catch (e) { return String(v); } }
  function emit(result) {
    if (result === null || result === undefined) return;
    var list = Array.isArray(result) ? result : [result];
    for (var m = 0; m < list.length && m < info.outputs; m++) {
      var item = list[m];
      if (item === null || item === undefined) continue;
      var msgs = Array.isArray(item) ? item : [item];
      for (var n = 0; n < msgs.length; n++) {
        var one = msgs[n];
        if (one === null || one === undefined) continue;
        if (typeof one !== 'object' || Array.isArray(one)) { console.error('Function tried to send a message of type ' + (Array.isArray(one) ? 'Array' : typeof one)); continue; }
        var port = portName(m);
        (outputs[port] = outputs[port] || []).push(copy(one));
      }
    }
  }
  function describe(e) {
    if (!(e instanceof Error)) return text(e);
    var message = String(e);
    if (e.name === 'ReferenceError') {
      var at = /function-code:(\d+):(\d+)/.exec(String(e.stack));
      if (at) message += ' (line ' + at[1] + ', col ' + (Number(at[1]) === 1 ? Math.max(1, Number(at[2]) - ${PREFIX.length}) : at[2]) + ')';
    }
    return message;
  }
  function nodeFor(current) {
    return {
      id: ctx.nodeId, name: info.name, outputCount: info.outputs,
      send: function (msgs) { emit(msgs); },
      done: function () {}, on: function () {},
      log: function (v) { console.log(text(v)); }, debug: function (v) { console.debug(text(v)); }, trace: function () {},
      warn: function (v) { console.warn(text(v)); },
      error: function (v, m) {
        if (m && typeof m === 'object') errors.push({ record: copy(m), error: text(v), node: ctx.nodeId, attempts: 1 });
        else console.error(text(v));
      },
      status: function (s) { console.info('status: ' + (s && typeof s === 'object' ? (s.text !== undefined ? s.text : '') : text(s))); },
    };
  }
  if (!__nrInitDone) {
    __nrInitDone = true;
    __nrInit(nodeFor(null), context, flow, global, env, RED);
  }
  for (var i = 0; i < records.length; i++) {
    var msg = records[i];
    msg._msgid = ctx.offset + '.' + i;
    try {
      emit(__nrBody(msg, nodeFor(msg), context, flow, global, env, RED));
    } catch (e) {
      // As Node-RED: the message that failed carries the thrown value as msg.error (its JSON form).
      if (e !== null && typeof e === 'object') { try { msg.error = JSON.parse(JSON.stringify(e)); } catch (x) { msg.error = {}; } }
      errors.push({ record: copy(msg), error: describe(e), node: ctx.nodeId, attempts: 1 });
    }
  }
  if (errors.length) outputs.error = errors;
  return outputs;
}
export function process(records, ctx) { return __nrRun(records, ctx); }
`;

/** The sandbox script for a Node-RED function body and its "On Start" code. */
export function nodeRedSource(body: string, initialize: string): string {
  return `${PREFIX}${body}\n}\nfunction __nrInit(node, context, flow, global, env, RED) {\n${initialize}\n}\n${RUNTIME}`;
}

/** Where the "On Start" code begins in the script, to point syntax errors at the right field. */
function initializeLine(body: string): number {
  return body.split('\n').length + 2;
}

/** Syntax errors with the line and column of the field they are in (`/code` or `/initialize`). */
export function checkNodeRedCode(body: string, initialize: string): ConfigProblem[] {
  if (/\bawait\b/.test(body) || /\bawait\b/.test(initialize)) {
    return [{ path: '/code', message: '`await` is not supported: the sandbox runs code synchronously so that the time limit covers it' }];
  }
  try {
    new vm.Script(toScript(nodeRedSource(body, initialize))!, { filename: CODE_FILENAME });
    return [];
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const [where = '', , carets = ''] = (err.stack ?? '').split('\n');
    const line = Number(/:(\d+)$/.exec(where)?.[1] ?? 1);
    const caret = carets.indexOf('^');
    const start = initializeLine(body);
    const inInit = line >= start;
    const column = caret < 0 ? 1 : line === 1 ? Math.max(1, caret + 1 - PREFIX.length) : caret + 1;
    return [{ path: inInit ? '/initialize' : '/code', message: `SyntaxError: ${err.message} at line ${inInit ? line - start + 1 : line}, column ${column}` }];
  }
}

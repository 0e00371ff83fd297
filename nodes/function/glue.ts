import { MISSING_PROCESS } from './user-code.js';

/**
 * Runs in the isolate before the user's code, so it holds the genuine `JSON` and a console that
 * collects lines. Its completion value `bind` is reachable only from the host: once the user's code
 * has run, `bind()` returns `run`, the one function the host calls per batch.
 *
 * `run` answers with one JSON text built from pieces the captured `JSON.stringify` produced, so
 * whatever the user's code did to prototypes, the host receives plain data:
 *   `{"ok":true,"dropped":n,"logs":[…],"state":…,"result":…}` or `{"ok":false,"dropped":n,"logs":[…],"error":{name,message,stack}}`.
 */
export const GLUE = `(function () {
  'use strict';
  const parse = JSON.parse, stringify = JSON.stringify, toText = String;
  const MAX_LINES = 100, MAX_TEXT = 2000;
  let logs = [], dropped = 0;
  function show(v) {
    if (typeof v === 'string') return v;
    try { const s = stringify(v); return s === undefined ? toText(v) : s; } catch (e) { return '[unprintable value]'; }
  }
  function printer(level) {
    return function () {
      if (logs.length >= MAX_LINES) { dropped++; return; }
      let text = '';
      for (let i = 0; i < arguments.length; i++) text += (i ? ' ' : '') + show(arguments[i]);
      if (text.length > MAX_TEXT) text = text.slice(0, MAX_TEXT) + '…';
      logs[logs.length] = { level: level, text: text };
    };
  }
  globalThis.console = { log: printer('log'), info: printer('info'), warn: printer('warn'), error: printer('error'), debug: printer('debug') };
  function field(e, name) {
    try { const v = e[name]; return v === undefined ? '' : toText(v); } catch (err) { return ''; }
  }
  function describe(e) {
    if (e instanceof Error) {
      return { name: field(e, 'name') || 'Error', message: field(e, 'message'), stack: field(e, 'stack') };
    }
    return { name: 'Error', message: 'a non-Error value was thrown: ' + show(e), stack: '' };
  }
  function answer(ok, rest) {
    const head = '{"ok":' + ok + ',"dropped":' + dropped + ',"logs":' + stringify(logs);
    logs = []; dropped = 0;
    return head + rest + '}';
  }
  function failed(e) {
    return answer(false, ',"error":' + stringify(describe(e)));
  }
  return function bind() {
    const userProcess = globalThis.process;
    if (typeof userProcess !== 'function') throw new Error(${JSON.stringify(MISSING_PROCESS)});
    return function run(records, meta, state) {
      const ctx = parse(meta);
      ctx.state = parse(state);
      let result, nextState;
      try {
        const out = userProcess(parse(records), ctx);
        if (out !== null && typeof out === 'object' && typeof out.then === 'function') {
          throw new TypeError('process returned a Promise; return the records themselves (asynchronous code is not supported)');
        }
        result = stringify(out);
        nextState = stringify(ctx.state);
      } catch (e) {
        return failed(e);
      }
      if (result === undefined) {
        return failed(new TypeError('process returned undefined (or a function); return an array of records or { port: records }'));
      }
      return answer(true, ',"state":' + (nextState === undefined ? 'null' : nextState) + ',"result":' + result);
    };
  };
})()`;

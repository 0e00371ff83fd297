import { num, str, type NrNode } from '../model.js';
import { done, needsHand, type Translation } from './types.js';
import { extraPorts } from '../../../nodes/message/ports.js';

const ASYNC = /\b(setTimeout|setInterval|setImmediate|await|Promise)\b|\.then\s*\(/;

/** function: the same body in the sandboxed function node's Node-RED dialect. */
export function fn(n: NrNode): Translation {
  const body = str(n.func);
  const initialize = str(n.initialize);
  const outputs = Math.max(0, Math.min(100, Math.floor(num(n.outputs, 1))));
  if (Array.isArray(n.libs) && n.libs.length > 0) return needsHand(`it uses modules (${(n.libs as { module?: unknown }[]).map((l) => str(l.module)).join(', ')}); the sandbox has no require or npm modules`);
  const async = ASYNC.exec(body) ?? ASYNC.exec(initialize);
  if (async) return needsHand(`its code uses ${async[0].replace(/\s*\($/, '(')}: the sandbox runs code synchronously (no timers, Promises or await) so that its time limit holds`);
  if (/\brequire\s*\(/.test(body)) return needsHand('its code calls require(); the sandbox has no modules');
  const notes: string[] = [];
  if (str(n.finalize).trim() !== '') notes.push('the "On Stop" code is not run');
  if (/\b(flow|global)\.(get|set)\b/.test(body + initialize)) notes.push('flow and global context are this node\'s own, not shared with other nodes');
  if (/\benv\.get\b/.test(body + initialize)) notes.push('env.get only knows NR_NODE_ID, NR_NODE_NAME and NR_FLOW_ID');
  if (/\bBuffer\b/.test(body)) notes.push('Buffers are not available (records are JSON)');
  const timeoutS = num(n.timeout, 0);
  return done('function', {
    dialect: 'node-red', code: body, initialize, outputs: extraPorts(outputs),
    timeoutMs: timeoutS > 0 ? Math.min(60_000, Math.round(timeoutS * 1000)) : 5000,
  }, notes);
}

import type { DataRecord, Outputs } from '../../server/core/types.js';
import { checkJsonValue } from '../../server/core/json-text.js';
import { codePosition } from './user-code.js';

// Depth only: a `__proto__` key the flow's own code returns stays an own property (parsed from JSON).
const LIMITS = {};

/** Why the returned records or state are beyond the limits of any record (json-text.ts), if they are. */
function unkeepable(result: unknown, state: unknown): string | undefined {
  const stateFault = checkJsonValue(state, LIMITS).fault;
  if (stateFault) return `ctx.state cannot be kept: ${stateFault.message}`;
  const ports: [string, unknown][] = Array.isArray(result) ? [['out', result]] : isObject(result) ? Object.entries(result) : [];
  for (const [port, records] of ports) {
    if (!Array.isArray(records)) continue;
    for (let i = 0; i < records.length; i++) {
      const fault = checkJsonValue(records[i], LIMITS).fault;
      if (fault) return `process returned record ${i} of port "${port}", which cannot be kept: ${fault.message}`;
    }
  }
  return undefined;
}

export interface ConsoleLine {
  level: string;
  text: string;
}

export type Envelope =
  | { ok: true; logs: ConsoleLine[]; dropped: number; state: unknown; result: unknown }
  | { ok: false; logs: ConsoleLine[]; dropped: number; error: string };

/**
 * Reads what the sandbox answered for one batch. The text comes from code we do not trust, so
 * nothing in it is assumed: being parsed from JSON it holds only plain data, and its shape is checked here.
 */
export function readEnvelope(text: string): Envelope {
  const e = JSON.parse(text) as { [k: string]: unknown };
  const logs = Array.isArray(e.logs) ? e.logs.filter(isConsoleLine) : [];
  const dropped = typeof e.dropped === 'number' ? e.dropped : 0;
  if (e.ok === true) {
    // Records or a state nested past the limit could never be journaled, snapshotted or sent on.
    const unkept = unkeepable(e.result, e.state);
    if (unkept) return { ok: false, logs, dropped, error: unkept };
    return { ok: true, logs, dropped, state: e.state, result: e.result };
  }
  return { ok: false, logs, dropped, error: describeError(e.error) };
}

function isConsoleLine(v: unknown): v is ConsoleLine {
  return isObject(v) && typeof v.level === 'string' && typeof v.text === 'string';
}

/** `TypeError: x is not a function at line 3, column 11`: the line and column are in the user's code. */
function describeError(error: unknown): string {
  if (!isObject(error)) return 'the code failed without saying why';
  const name = typeof error.name === 'string' && error.name ? error.name : 'Error';
  const message = typeof error.message === 'string' ? error.message : '';
  return `${name}: ${message}${typeof error.stack === 'string' ? codePosition(error.stack) : ''}`;
}

/**
 * What `process` returned, as outputs per port: an array means `out`; an object maps declared ports
 * to arrays. Every record must be an object; anything else is the user's error, said plainly.
 */
export function toOutputs(result: unknown, ports: ReadonlySet<string>): Outputs {
  if (Array.isArray(result)) return { out: records(result, 'out') };
  if (!isObject(result)) {
    throw new TypeError(`process must return an array of records or { port: records }, got ${kind(result)}`);
  }
  const outputs: Outputs = {};
  for (const [port, value] of Object.entries(result)) {
    if (!ports.has(port)) {
      throw new TypeError(`process returned records for port "${port}", which is not declared; ports: ${[...ports].join(', ')} (add extra ports to the config's "outputs")`);
    }
    if (!Array.isArray(value)) throw new TypeError(`process returned ${kind(value)} for port "${port}"; expected an array of records`);
    outputs[port] = records(value, port);
  }
  return outputs;
}

function records(list: unknown[], port: string): DataRecord[] {
  for (let i = 0; i < list.length; i++) {
    const r = list[i];
    if (!isObject(r)) throw new TypeError(`process returned ${kind(r)} as record ${i} of port "${port}"; every record must be an object`);
  }
  return list as DataRecord[];
}

function isObject(v: unknown): v is { [k: string]: unknown } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const shown = JSON.stringify(v);
  return `a ${typeof v} (${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown})`;
}

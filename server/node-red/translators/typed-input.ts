import { str } from '../model.js';

export type SluiceValue = { kind: string; value: string };
export type Converted = { value: SluiceValue; note?: string } | { unsupported: string };

/**
 * A Node-RED typed input (`{ v, vt }`: str, num, bool, json, date, msg, env, bin, …) as a Sluice value.
 * Context (flow, global), JSONata and credentials have no equivalent yet and are refused with the reason.
 */
export function convertValue(v: unknown, vt: unknown): Converted {
  const value = str(v);
  switch (str(vt, 'str')) {
    case 'str': return { value: { kind: 'string', value } };
    case 'num': return { value: { kind: 'number', value } };
    case 'bool': return { value: { kind: 'boolean', value } };
    case 'json': return { value: { kind: 'json', value } };
    case 'msg': return { value: { kind: 'field', value: value.startsWith('msg.') ? value.slice(4) : value } };
    case 'date':
      if (value === '') return { value: { kind: 'now', value: '' } };
      if (value === 'iso' || value === 'object') return { value: { kind: 'now-iso', value: '' }, ...(value === 'object' ? { note: 'a Date object becomes its ISO text (records are JSON)' } : {}) };
      return { value: { kind: 'now-iso', value: '' }, note: `the date format "${value}" becomes an ISO text` };
    case 'env': return { value: { kind: 'string', value: `\${env:${value}}` }, note: `the environment variable ${value} is read when the flow is deployed` };
    case 'bin': return { value: { kind: 'json', value }, note: 'a Buffer becomes an array of byte values (records are JSON)' };
    case 'nul': return { value: { kind: 'null', value: '' } };
    case 'flow': case 'global': return { unsupported: `${str(vt)} context values (${value}) are not shared between Sluice nodes` };
    case 'jsonata': return { unsupported: 'JSONata expressions are not supported yet' };
    case 're': return { value: { kind: 'string', value } };
    case 'cred': return { unsupported: 'credential values are not carried over' };
    // Node-RED hands other types' values over as they are written.
    default: return { value: { kind: 'string', value } };
  }
}

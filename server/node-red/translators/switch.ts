import { str, type NrNode } from '../model.js';
import { convertValue } from './typed-input.js';
import { done, needsHand, type Translation } from './types.js';

interface NrRule { t?: unknown; v?: unknown; vt?: unknown; v2?: unknown; v2t?: unknown; case?: unknown }

const OPS = new Set(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'btwn', 'cont', 'regex', 'true', 'false', 'null', 'nnull', 'empty', 'nempty', 'istype', 'hask', 'head', 'index', 'tail', 'else']);

function operand(v: unknown, vt: unknown): { kind: string; value: string } | string {
  // As Node-RED: a value without a type is a number when it reads as one.
  const type = vt === undefined ? (v !== undefined && v !== '' && !Number.isNaN(Number(v)) ? 'num' : 'str') : vt;
  if (type === 'prev') return { kind: 'previous', value: '' };
  const c = convertValue(v, type);
  return 'unsupported' in c ? c.unsupported : c.value;
}

/** switch: the same rules on numbered ports; JSONata and context properties need a hand. */
export function switchNode(n: NrNode): Translation {
  const propertyType = str(n.propertyType, 'msg');
  if (propertyType !== 'msg') return needsHand(`it tests a ${propertyType} property, which is not supported`);
  const notes: string[] = [];
  if (n.repair === true) notes.push('"recreate message sequences" is not done: parts are passed on as they are');
  const rules = [];
  for (const [i, r] of ((n.rules ?? []) as NrRule[]).entries()) {
    const op = str(r.t);
    if (op === 'jsonata_exp') return needsHand(`rule ${i + 1} is a JSONata expression, not supported yet`);
    if (!OPS.has(op)) return needsHand(`rule ${i + 1} uses the unknown test "${op}"`);
    // istype names the type in both v and vt ("string", "number", …).
    const value = op === 'istype' ? { kind: 'string', value: str(r.v) } : r.v === undefined && r.vt === undefined ? undefined : operand(r.v, r.vt);
    const value2 = r.v2 === undefined ? undefined : operand(r.v2, r.v2t);
    if (typeof value === 'string') return needsHand(`rule ${i + 1}: ${value}`);
    if (typeof value2 === 'string') return needsHand(`rule ${i + 1}: ${value2}`);
    rules.push({ op, ...(value ? { value } : {}), ...(value2 ? { value2 } : {}), ...(r.case === true ? { ignoreCase: true } : {}) });
  }
  if (rules.some((r) => r.op === 'tail')) notes.push('"tail" needs parts.count on each record (Node-RED waits for the whole sequence)');
  return done('switch', { property: str(n.property, 'payload').replace(/^msg\./, ''), rules, checkAll: str(n.checkall, 'true') !== 'false' }, notes);
}

import { str, type NrNode } from '../model.js';
import { convertValue } from './typed-input.js';
import { done, needsHand, type Translation } from './types.js';

interface NrRule { t?: unknown; p?: unknown; pt?: unknown; to?: unknown; tot?: unknown; from?: unknown; fromt?: unknown; re?: unknown; dc?: unknown }

const FROM: { [t: string]: string } = { str: 'string', num: 'number', bool: 'boolean', re: 'regex', msg: 'field' };

/** Node-RED's migration of pre-0.18 change nodes (action/property/from/to) to rules. */
function rulesOf(n: NrNode): NrRule[] {
  if (Array.isArray(n.rules)) return n.rules as NrRule[];
  const t = n.action === 'replace' ? 'set' : n.action;
  return [{ t, p: n.property, to: n.to, from: n.from, ...(t === 'change' && (n.reg === null || n.reg) ? { fromt: 're' } : {}) }];
}

/** change: set, change, delete and move of msg properties; context targets need a hand. */
export function change(n: NrNode): Translation {
  const rules = [];
  const notes: string[] = [];
  for (const [i, r] of rulesOf(n).entries()) {
    const at = `rule ${i + 1}`;
    const t = str(r.t, 'set');
    if (str(r.pt, 'msg') !== 'msg') return needsHand(`${at} changes ${str(r.pt)} context, which Sluice nodes do not share`);
    const property = str(r.p).replace(/^msg\./, '');
    if (t === 'delete') { rules.push({ action: 'delete', property }); continue; }
    if (t === 'move') {
      if (str(r.tot, 'msg') !== 'msg') return needsHand(`${at} moves into ${str(r.tot)} context`);
      rules.push({ action: 'move', property, to: { kind: 'field', value: str(r.to).replace(/^msg\./, '') } });
      continue;
    }
    let to = r.to;
    let tot = r.tot;
    if (t === 'set' && tot === undefined && str(to).startsWith('msg.')) { to = str(to).slice(4); tot = 'msg'; }
    const value = convertValue(to, tot ?? 'str');
    if ('unsupported' in value) return needsHand(`${at}: ${value.unsupported}`);
    if (value.note) notes.push(`${at}: ${value.note}`);
    if (t === 'set') { rules.push({ action: 'set', property, to: value.value }); continue; }
    if (t !== 'change') return needsHand(`${at} has the unknown action "${t}"`);
    const fromt = str(r.fromt, 'str');
    const kind = FROM[fromt];
    if (!kind) return needsHand(`${at} searches for a ${fromt} value, which is not supported`);
    rules.push({ action: 'change', property, to: value.value, from: { kind, value: kind === 'field' ? str(r.from).replace(/^msg\./, '') : str(r.from) } });
  }
  return done('change', { rules }, notes);
}

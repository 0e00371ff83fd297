import { bool, num, str, type NrNode } from '../model.js';
import { convertValue } from './typed-input.js';
import { needsHand, source, type Translation } from './types.js';

/** inject: its properties become the record's fields; once, repeat and crontab become the schedule. */
export function inject(n: NrNode): Translation {
  const props = Array.isArray(n.props) ? n.props as { p?: unknown; v?: unknown; vt?: unknown }[] : [{ p: 'payload', v: n.payload, vt: n.payloadType }, { p: 'topic', v: n.topic, vt: 'str' }];
  const notes: string[] = [];
  const fields: { property: string; value: { kind: string; value: string } }[] = [];
  for (const p of props) {
    const name = str(p.p);
    if (name === '') continue;
    // As Node-RED: payload and topic without their own value take the node's payload and topic.
    const own = Object.hasOwn(p, 'v');
    const [v, vt] = name === 'payload' && !own ? [n.payload, n.payloadType ?? 'date'] : name === 'topic' && p.vt === 'str' && !own ? [n.topic, 'str'] : [p.v ?? '', p.vt ?? 'str'];
    const c = convertValue(v, vt);
    if ('unsupported' in c) return needsHand(`msg.${name}: ${c.unsupported}`);
    if (c.note) notes.push(`msg.${name}: ${c.note}`);
    fields.push({ property: name, value: c.value });
  }
  const repeat = str(n.repeat);
  const crontab = str(n.crontab).trim();
  if (crontab !== '' && crontab.split(/\s+/).length !== 5) return needsHand(`the schedule "${crontab}" is not a five-field cron expression`);
  return source('inject', {
    fields, once: bool(n.once), onceDelayMs: Math.round(num(n.onceDelay, 0.1) * 1000),
    repeatMs: crontab === '' && repeat !== '' ? Math.round(num(repeat, 0) * 1000) : 0, cron: crontab,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  }, notes);
}

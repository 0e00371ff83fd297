import { bool, num, str, toMs, type NrNode } from '../model.js';
import { convertValue } from './typed-input.js';
import { done, needsHand, type Translation } from './types.js';

/** How often the flow's journaled ticks must come for this node's timing, in ms (see translate.ts). */
export function tickNeed(type: string, config: { [k: string]: unknown }): number | undefined {
  if (type === 'delay') return Number(config.mode === 'rate' || String(config.mode).startsWith('topic') ? config.intervalMs : config.delayMs);
  if (type === 'trigger') return Number(config.durationMs) || undefined;
  if (type === 'join') return Number(config.timeoutMs) || undefined;
  return undefined;
}

/** delay: fixed, per-message, random delays and the rate limits, on the journal's ticks. */
export function delay(n: NrNode): Translation {
  const notes: string[] = [];
  if (bool(n.allowrate)) notes.push('msg.rate does not change the rate');
  const pause = str(n.pauseType, 'delay');
  const perRate = toMs(n.nbRateUnits === undefined || num(n.nbRateUnits, 1) <= 0 ? 1 : n.nbRateUnits, str(n.rateUnits, 'second'), 1000) / Math.max(1e-9, num(n.rate, 1));
  const twoOutputs = num(n.outputs, 1) === 2;
  const common = { delayMs: 0, maxDelayMs: 0, intervalMs: Math.max(1, perRate), drop: false, dropped: twoOutputs ? 'port' : 'count', maxQueued: 100_000 };
  const ports = ['out', 'dropped'];
  switch (pause) {
    case 'delay': return done('delay', { ...common, mode: 'delay', delayMs: toMs(n.timeout, n.timeoutUnits, 5000) }, notes);
    case 'delayv': return done('delay', { ...common, mode: 'per-record', delayMs: toMs(n.timeout, n.timeoutUnits, 5000) }, notes);
    case 'random': return done('delay', { ...common, mode: 'random', delayMs: toMs(n.randomFirst, n.randomUnits, 1000), maxDelayMs: toMs(n.randomLast, n.randomUnits, 5000) }, [...notes, 'random delays are drawn from the journal position, not Math.random']);
    case 'rate': return done('delay', { ...common, mode: 'rate', drop: bool(n.drop) }, notes, ports);
    case 'queue': return done('delay', { ...common, mode: 'topic-queue' }, notes, ports);
    case 'timed': return done('delay', { ...common, mode: 'topic-latest' }, notes, ports);
    default: return needsHand(`delay mode "${pause}" is not supported`);
  }
}

function send(v: unknown, type: unknown, fallback: string): { kind: string; value: string } | string {
  const t = str(type, 'str');
  if (t === 'pay') return { kind: 'payload', value: '' };
  if (t === 'payl') return { kind: 'latest', value: '' };
  if (t === 'nul') return { kind: 'none', value: '' };
  const text = str(v, fallback);
  if (t === 'val') return text === 'true' || text === 'false' ? { kind: 'boolean', value: text } : text === 'null' ? { kind: 'null', value: '' } : { kind: 'string', value: text };
  if (t === 'str' && text.includes('{{')) return 'mustache templates in the sent values are not supported';
  if (t === 'date' && (text === '' || text === fallback)) return { kind: 'now', value: '' };
  const c = convertValue(text, t);
  return 'unsupported' in c ? c.unsupported : c.value;
}

/** trigger: send, wait, send again (or repeat), with extend, reset and per-topic modes. */
export function trigger(n: NrNode): Translation {
  const first = send(n.op1, n.op1type, '1');
  const second = send(n.op2, n.op2type, '0');
  if (typeof first === 'string') return needsHand(`the first message: ${first}`);
  if (typeof second === 'string') return needsHand(`the second message: ${second}`);
  if (first.kind === 'latest') return needsHand('the first message cannot be "the latest message"');
  let duration = num(n.duration, 250);
  const repeat = duration < 0;
  duration = Math.abs(duration);
  return done('trigger', {
    first, second: repeat ? { kind: 'none', value: '' } : second, durationMs: toMs(duration, str(n.units, 'ms'), 250), repeat,
    extend: !repeat && bool(n.extend), overrideDelay: bool(n.overrideDelay), resetPayload: str(n.reset),
    byTopic: str(n.bytopic, 'all') === 'topic', topicField: str(n.topic, 'topic').replace(/^msg\./, '') || 'topic',
    secondPort: num(n.outputs, 1) === 2,
  }, []);
}

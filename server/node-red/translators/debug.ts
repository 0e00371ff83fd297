import { bool, str, type NrNode } from '../model.js';
import { done, needsHand, type Translation } from './types.js';

/** debug: the sidebar view of the same property; console and status output have no equivalent. */
export function debug(n: NrNode): Translation {
  const notes: string[] = [];
  const complete = str(n.complete, 'payload');
  if (str(n.targetType) === 'jsonata') return needsHand('a debug node showing a JSONata expression is not supported yet');
  if (n.active === false) notes.push('it was switched off in Node-RED; Sluice debug nodes always show');
  if (bool(n.console)) notes.push('"output to console" is not carried over (the debug sidebar and GET /api/flows/:id/debug show it)');
  if (bool(n.tostatus)) notes.push('"show on node status" is not carried over');
  const path = complete === 'true' ? 'record' : complete === 'false' ? 'payload' : complete.startsWith('msg.') ? complete.slice(4) : complete;
  if (/[[\]]/.test(path)) notes.push(`the property ${path} is shown by its dotted path only`);
  return done('debug', { complete: path || 'payload', maxPerBatch: 1000 }, notes);
}

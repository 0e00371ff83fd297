import { num, str, type NrNode } from '../model.js';
import { done, type Translation } from './types.js';

/** comment: a note with its title and text. */
export function comment(n: NrNode): Translation {
  const info = str(n.info).trim();
  return done('note', { text: [str(n.name) && `**${str(n.name)}**`, info].filter(Boolean).join('\n\n') }, []);
}

/** group: a note that frames its nodes, titled with the group's name. */
export function group(n: NrNode): Translation {
  const label = str(n.name) || str((n.style as { label?: unknown } | undefined)?.label);
  return done('note', { text: [label && `**${label}**`, str(n.info).trim()].filter(Boolean).join('\n\n'), width: num(n.w, 200), height: num(n.h, 100) }, []);
}

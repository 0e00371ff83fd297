import { currentSession } from './auth/session';
import type { Presence } from './collab/session';

const COLOURS = ['#d9480f', '#2b8a3e', '#1864ab', '#862e9c', '#c2255c', '#087f5b', '#5f3dc4', '#e67700'];

/** The name others see next to this tab's selection and pointer: the login name, in a colour of its own. */
export function localUser(): Pick<Presence, 'name' | 'colour'> {
  const name = currentSession()?.name ?? 'signed out';
  let hash = 0;
  for (const c of name) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return { name, colour: COLOURS[hash % COLOURS.length]! };
}

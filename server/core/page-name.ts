import { isSafeName } from './names.js';

/**
 * Dashboard page names become a URL segment (`/dashboards/<page>`) and a token scope (`dashboard:<page>`).
 * They are safe names (names.ts) narrowed further: lower-case letters, digits and dashes, starting with a
 * letter or a digit, at most 63 characters, and no Windows device name (a page has no dot, so the bare
 * name is the whole of it). The one place this narrowing lives.
 */
export const PAGE_NAME_PATTERN = '^(?!(?:con|prn|aux|nul|com[0-9]|lpt[0-9])$)[a-z0-9][a-z0-9-]{0,62}$';

const PAGE_NAME = new RegExp(PAGE_NAME_PATTERN);

export function isPageName(name: unknown): name is string {
  return typeof name === 'string' && PAGE_NAME.test(name) && isSafeName(name);
}

export const PAGE_NAME_RULE = 'a page name is 1-63 lower-case letters, digits and dashes, starting with a letter or a digit, and not a device name such as "con" or "nul" (it becomes /dashboards/<page>)';

/**
 * Dashboard page names become a URL segment (`/dashboards/<page>`) and a token scope (`dashboard:<page>`):
 * lower-case letters, digits and dashes, starting with a letter or a digit, at most 63 characters. No `.`,
 * `..`, separator, space, `%` or control character can reach a path or a scope. The one place this rule lives.
 */
export const PAGE_NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

const PAGE_NAME = new RegExp(PAGE_NAME_PATTERN);

export function isPageName(name: unknown): name is string {
  return typeof name === 'string' && PAGE_NAME.test(name);
}

export const PAGE_NAME_RULE = 'a page name is 1-63 lower-case letters, digits and dashes, starting with a letter or a digit (it becomes /dashboards/<page>)';

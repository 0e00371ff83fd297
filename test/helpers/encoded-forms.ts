/** The user the QuestDB sink authenticates as: its Basic header is base64 of `sluice:<password>`. */
export const QDB_USER = 'sluice';

/**
 * Every form a value takes on its way out of the server, produced by the encoders the code and its
 * libraries use: percent-encoding (encodeURIComponent, encodeURI, the URL class per component, form
 * encoding with `+`, lower-case hex), JSON escaping (once, twice, ASCII-only), base64 (the value, and
 * the Basic credential the QuestDB sink sends).
 */
export function encodedForms(value: string): [string, string][] {
  const url = (set: (u: URL) => void, get: (u: URL) => string): string => {
    const u = new URL('http://host/');
    set(u);
    return get(u);
  };
  const asciiJson = JSON.stringify(value).slice(1, -1).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const forms: [string, string][] = [
    ['as is', value],
    ['encodeURIComponent', encodeURIComponent(value)],
    ['encodeURI', encodeURI(value)],
    ['lower-case hex', encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
    ['form encoding', new URLSearchParams({ k: value }).toString().slice(2)],
    ['URL path', url((u) => { u.pathname = `/${value}`; }, (u) => u.pathname.slice(1))],
    ['URL query', url((u) => { u.search = `?q=${value}`; }, (u) => u.search.slice(3))],
    ['URL fragment', url((u) => { u.hash = value; }, (u) => u.hash.slice(1))],
    ['URL password', url((u) => { u.username = 'x'; u.password = value; }, (u) => u.href.slice('http://x:'.length, u.href.indexOf('@')))],
    ['JSON', JSON.stringify(value).slice(1, -1)],
    ['JSON in JSON', JSON.stringify(JSON.stringify(value)).slice(1, -1)],
    ['ASCII JSON', asciiJson],
    ['base64', Buffer.from(value).toString('base64').replace(/=+$/, '')],
    ['base64url', Buffer.from(value).toString('base64url')],
    ['Basic credential', Buffer.from(`${QDB_USER}:${value}`).toString('base64')],
  ];
  return forms.filter(([, form], i) => forms.findIndex(([, f]) => f === form) === i);
}

import { str, type NrNode } from '../model.js';
import { done, needsHand, source, type Translation } from './types.js';

/** http in: the same path under /ingest/, answered by the flow's http response, without authentication as in Node-RED. */
export function httpIn(n: NrNode): Translation {
  const url = str(n.url).replace(/^\/+/, '');
  if (!/^[A-Za-z0-9._~/:-]*$/.test(url) || url === '') return needsHand(`the path "${str(n.url)}" uses wildcards or characters Sluice paths do not accept (letters, digits, . _ ~ / - and :name segments)`);
  const method = str(n.method, 'get').toUpperCase();
  if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) return needsHand(`method ${method} is not supported`);
  const notes = [`served at /ingest/${url} (not /${url}), without authentication as in Node-RED: set a token to require one`];
  if (n.upload === true) notes.push('file uploads (multipart) are not parsed');
  return source('http-in', { path: url, methods: [method], reply: 'flow', public: true }, notes);
}

/** http response: status and headers as configured, the payload as the body. */
export function httpResponse(n: NrNode): Translation {
  const headers: { [k: string]: string } = {};
  for (const [k, v] of Object.entries((n.headers ?? {}) as { [k: string]: unknown })) headers[k] = str(v);
  const code = Number.parseInt(str(n.statusCode), 10);
  return done('http-response', { statusCode: Number.isFinite(code) ? code : 0, headers }, ['cookies (msg.cookies) are not set']);
}

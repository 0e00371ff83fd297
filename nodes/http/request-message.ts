import { isUtf8 } from 'node:buffer';
import type { IngressRequest } from '../../server/core/services.js';
import { parseJsonText, PROTOTYPE_KEYS } from '../../server/core/json-text.js';

/** What a flow sees of a request it answers itself: Node-RED's `msg.req` as plain JSON. */
export interface RequestFields {
  method: string;
  url: string;
  path: string;
  query: { [key: string]: string };
  params: { [key: string]: string };
  headers: { [name: string]: string | string[] | undefined };
  cookies: { [name: string]: string };
}

/** `/user/:id` against `user/42` → `{ id: "42" }`. */
export function pathParams(pattern: string, path: string): { [key: string]: string } {
  const parts = pattern.split('/').filter((s) => s !== '');
  const segments = path.split('/').filter((s) => s !== '');
  const params: { [key: string]: string } = {};
  parts.forEach((p, i) => {
    if (p.startsWith(':') && segments[i] !== undefined) params[p.slice(1)] = decodeURIComponent(segments[i]!);
  });
  return params;
}

function cookies(header: string | string[] | undefined): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const part of (Array.isArray(header) ? header.join(';') : header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export function requestFields(req: IngressRequest, pattern: string): RequestFields {
  const search = req.search ? `?${req.search}` : '';
  return {
    method: req.method, url: `/${req.path}${search}`, path: `/${req.path}`, query: { ...req.query },
    params: pathParams(pattern, req.path), headers: { ...req.headers }, cookies: cookies(req.headers.cookie),
  };
}

/**
 * The body as Node-RED's HTTP in gives it to the flow: JSON parsed, a form as an object, text as a string;
 * other bytes as UTF-8 text when they are, else base64 (Node-RED hands over a Buffer, which JSON cannot carry).
 */
export function bodyPayload(contentType: string, body: Buffer): unknown {
  const mime = contentType.split(';')[0]!.trim().toLowerCase();
  if (body.length === 0) return mime === 'application/json' ? {} : '';
  const text = body.toString('utf8');
  if (mime === 'application/json' || mime.endsWith('+json')) {
    const parsed = parseJsonText(text, { forbiddenKeys: PROTOTYPE_KEYS });
    if (!parsed.ok) throw new Error(parsed.fault.message);
    return parsed.value;
  }
  if (mime === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(text));
  return isUtf8(body) ? text : body.toString('base64');
}

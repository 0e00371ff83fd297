/** One HTTP exchange with a timeout, classified the way both HTTP nodes decide what to retry. */

export interface HttpRequest {
  url: string;
  method: string;
  headers: { [name: string]: string };
  body?: string;
  timeoutMs: number;
  /** The node's stop signal: aborting it cancels the request. */
  signal: AbortSignal;
  /** Longest response body read (default MAX_RESPONSE_BYTES); a longer one fails without retry. */
  maxBytes?: number;
}

/** A response body larger than this is not read to its end: it would be held in memory whole. */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  text: string;
}

const EXCERPT_CHARS = 500;

/** The first characters of a response body, for error records and status texts. */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Why an exchange did not give a usable answer. `retryable` says whether trying again may help. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    readonly body?: string,
  ) {
    super(message);
  }
}

/** Thrown when the node was stopped mid-request: not a failure of the remote system. */
export class Stopped extends Error {
  constructor() {
    super('stopped');
  }
}

/** 5xx and the 4xx that mean "try later" (timeout, too early, too many requests). */
export function isRetryableStatus(status: number, retryable4xx: readonly number[] = [408, 425, 429]): boolean {
  return status >= 500 || retryable4xx.includes(status);
}

/**
 * Sends the request and reads the whole body. Resolves for every HTTP status (the caller decides what a
 * status means); rejects with a retryable `HttpFailure` on timeouts and connection errors, or `Stopped`.
 * Redirects are not followed: a POST silently turned into a GET would lose the body.
 */
export async function httpFetch(req: HttpRequest): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await fetch(req.url, {
      method: req.method, headers: req.headers, body: req.body, redirect: 'manual',
      signal: AbortSignal.any([timeout, req.signal]),
    });
    return { status: res.status, statusText: res.statusText, headers: res.headers, text: await boundedText(res, req.maxBytes ?? MAX_RESPONSE_BYTES) };
  } catch (err) {
    if (err instanceof HttpFailure) throw err;
    if (req.signal.aborted) throw new Stopped();
    if (timeout.aborted) throw new HttpFailure(`no complete answer within ${req.timeoutMs} ms`, true);
    throw new HttpFailure(`connection failed: ${networkReason(err)}`, true);
  }
}

/** The body as text, refused past `max` bytes (the same answer would be as large next time). */
async function boundedText(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body) {
    total += chunk.byteLength;
    // Leaving the loop cancels the stream: the rest is never downloaded.
    if (total > max) break;
    chunks.push(chunk);
  }
  if (total > max) throw new HttpFailure(`HTTP ${res.status}: the response is larger than ${max} bytes; not read`, false, res.status);
  return Buffer.concat(chunks).toString('utf8');
}

/** undici reports "fetch failed" and puts the socket error (ECONNRESET, ECONNREFUSED, …) in `cause`. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? err.message;
}

/** `HTTP 404 Not Found: <body excerpt>` */
export function statusMessage(res: HttpResponse): string {
  const body = excerpt(res.text.trim(), 200);
  return `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${body ? `: ${body}` : ''}`;
}

const SECRET_PARAM = /key|token|secret|pass|pwd|sig|auth|cred|session/i;

/** `name=value` pairs of a query or fragment (`&` or `;` between them), masked where the name looks like a credential. */
function maskParams(part: string): string {
  const pieces = part.split(/([&;])/);
  let masking = false;
  let out = '';
  for (let i = 0; i < pieces.length; i += 2) {
    const piece = pieces[i]!;
    const separator = pieces[i + 1] ?? '';
    const eq = piece.indexOf('=');
    // A piece without `=` after a masked value is a literal `&` or `;` inside that value: masked with it.
    if (eq < 0 && masking) continue;
    masking = eq >= 0 && SECRET_PARAM.test(decodeName(piece.slice(0, eq)));
    out += (masking ? `${piece.slice(0, eq)}=***` : piece) + separator;
  }
  // A masked value swallowed the separators that followed it: keep the last one only if something follows.
  return out.replace(/[&;]$/, (sep) => (part.endsWith(sep) ? sep : ''));
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The URL with its password and credential-looking query and fragment values masked, for records and
 * logs that are kept. The text is masked where it stands, never parsed and written again: a value with
 * an `&` or `;` in it is masked whole (the secret's tail would otherwise show as a parameter of its own),
 * `;` separates like `&`, and a fragment (`#access_token=…`) is masked like a query.
 */
export function redactUrl(url: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  if (!scheme) return url;
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const query = beforeHash.indexOf('?');
  const base = query < 0 ? beforeHash : beforeHash.slice(0, query);
  const authorityEnd = base.slice(scheme[0].length).search(/[/]/);
  const authority = authorityEnd < 0 ? base.slice(scheme[0].length) : base.slice(scheme[0].length, scheme[0].length + authorityEnd);
  const at = authority.lastIndexOf('@');
  const colon = at < 0 ? -1 : authority.slice(0, at).indexOf(':');
  const maskedAuthority = colon < 0 ? authority : `${authority.slice(0, colon)}:***${authority.slice(at)}`;
  const rest = authorityEnd < 0 ? '' : base.slice(scheme[0].length + authorityEnd);
  return `${scheme[0]}${maskedAuthority}${rest}`
    + (query < 0 ? '' : `?${maskParams(beforeHash.slice(query + 1))}`)
    + (hash < 0 ? '' : `#${maskParams(url.slice(hash + 1))}`);
}

import type { DataRecord } from '../../server/core/types.js';
import { parseJsonText, PROTOTYPE_KEYS } from '../../server/core/json-text.js';
import { backoffDelay } from '../../server/core/retry-policy.js';
import { excerpt, httpFetch, HttpFailure, isRetryableStatus, redactUrl, statusMessage, Stopped, type HttpResponse } from '../lib/http-fetch.js';
import { resolvePointer } from '../lib/json-pointer.js';
import { sleep } from '../lib/sleep.js';

export interface PageRules {
  mode: 'none' | 'next-link' | 'page';
  /** next-link: pointer segments to the next URL in the body; undefined = RFC 8288 `Link` header. */
  next?: readonly string[];
  pageParam: string;
  firstPage: number;
  maxPages: number;
}

export interface FetchSettings {
  method: string;
  headers: { [name: string]: string };
  body?: string;
  timeoutMs: number;
  records: readonly string[];
  pages: PageRules;
  retry: { maxAttempts: number; backoffMs: number; maxBackoffMs: number };
  signal: AbortSignal;
  /** Called before each wait between attempts, to show why the poller is retrying. */
  onRetry(message: string, attempt: number, delayMs: number): void;
}

/** What went wrong with a device's poll, as it is written to the `error` port. */
export interface PollProblem {
  url: string;
  method: string;
  status?: number;
  error: string;
  body?: string;
  attempts: number;
}

export type FetchResult =
  | { ok: true; records: DataRecord[]; pages: number; truncated: boolean }
  | { ok: false; problem: PollProblem };

class PollFailed extends Error {
  constructor(readonly problem: PollProblem) {
    super(problem.error);
  }
}

/**
 * Fetches every page of one poll. The pages are returned together so the caller commits them with the
 * new cursor in one append: a crash in the middle of the pages commits nothing and the poll repeats.
 * Throws `Stopped` when the node stops.
 */
export async function fetchAllPages(firstUrl: string, s: FetchSettings): Promise<FetchResult> {
  const records: DataRecord[] = [];
  const origin = new URL(firstUrl).origin;
  let url: string | undefined = s.pages.mode === 'page' ? withPage(firstUrl, s.pages, s.pages.firstPage) : firstUrl;
  let pages = 0;
  try {
    while (url !== undefined) {
      if (pages >= s.pages.maxPages) return { ok: true, records, pages, truncated: true };
      const res = await fetchWithRetry(url, s);
      const { doc, page } = pageRecords(url, res, s);
      pages++;
      for (const r of page) records.push(r);
      url = nextUrl(url, res, doc, page.length, pages, s, origin);
    }
  } catch (err) {
    if (err instanceof PollFailed) return { ok: false, problem: err.problem };
    throw err;
  }
  return { ok: true, records, pages, truncated: false };
}

function withPage(url: string, pages: PageRules, page: number): string {
  const u = new URL(url);
  u.searchParams.set(pages.pageParam, String(page));
  return u.toString();
}

async function fetchWithRetry(url: string, s: FetchSettings): Promise<HttpResponse> {
  const { maxAttempts } = s.retry;
  for (let attempt = 1; ; attempt++) {
    let failure: PollProblem;
    let retryable: boolean;
    try {
      const res = await httpFetch({ url, method: s.method, headers: s.headers, body: s.body, timeoutMs: s.timeoutMs, signal: s.signal });
      if (res.status >= 200 && res.status < 300) return res;
      retryable = isRetryableStatus(res.status);
      failure = { url: redactUrl(url), method: s.method, status: res.status, error: statusMessage(res), body: excerpt(res.text), attempts: attempt };
    } catch (err) {
      if (!(err instanceof HttpFailure)) throw err;
      retryable = err.retryable;
      failure = { url: redactUrl(url), method: s.method, error: err.message, attempts: attempt };
    }
    if (!retryable || attempt >= maxAttempts) {
      if (retryable) failure.error = `${failure.error} (gave up after ${attempt} attempts)`;
      throw new PollFailed(failure);
    }
    const delay = backoffDelay({ ...s.retry, jitter: 0.2 }, attempt);
    s.onRetry(failure.error, attempt + 1, delay);
    if (!(await sleep(delay, s.signal))) throw new Stopped();
  }
}

/** The page's records: the array at the configured pointer, every item an object. */
function pageRecords(url: string, res: HttpResponse, s: FetchSettings): { doc: unknown; page: DataRecord[] } {
  const problem = (error: string): PollFailed =>
    new PollFailed({ url: redactUrl(url), method: s.method, status: res.status, error, body: excerpt(res.text), attempts: 1 });
  // Within the limits of everything received: a body nested past them could never be journaled.
  const parsed = parseJsonText(res.text, { forbiddenKeys: PROTOTYPE_KEYS });
  if (!parsed.ok) throw problem(parsed.fault.offset === undefined ? `response: ${parsed.fault.message}` : `response is not JSON: ${parsed.fault.message.replace(/^not valid JSON: /, '')}`);
  const doc = parsed.value;
  const list = resolvePointer(doc, s.records);
  const at = s.records.length === 0 ? 'the response' : `/${s.records.join('/')}`;
  if (!Array.isArray(list)) throw problem(`expected an array of records at ${at}, got ${list === undefined ? 'nothing' : typeof list}`);
  const bad = list.findIndex((item) => item === null || typeof item !== 'object' || Array.isArray(item));
  if (bad >= 0) throw problem(`item ${bad} of the array at ${at} is not an object`);
  return { doc, page: list as DataRecord[] };
}

function nextUrl(url: string, res: HttpResponse, doc: unknown, count: number, pages: number, s: FetchSettings, origin: string): string | undefined {
  if (s.pages.mode === 'none') return undefined;
  if (s.pages.mode === 'page') return count === 0 ? undefined : withPage(url, s.pages, s.pages.firstPage + pages);
  const link = s.pages.next ? resolvePointer(doc, s.pages.next) : linkHeaderNext(res.headers.get('link'));
  if (link === undefined || link === null || link === '') return undefined;
  if (typeof link !== 'string') throw new PollFailed({ url: redactUrl(url), method: s.method, status: res.status, error: `next link is a ${typeof link}, not a URL`, attempts: 1 });
  const next = new URL(link, url);
  // The request headers carry credentials: never send them to a host the API merely pointed to.
  if (next.origin !== origin) {
    throw new PollFailed({ url: redactUrl(url), method: s.method, status: res.status, error: `next link ${redactUrl(next.toString())} leaves ${origin}; refused`, attempts: 1 });
  }
  return next.toString();
}

/** `<https://api/x?page=2>; rel="next", <…>; rel="last"` → the rel=next target. */
function linkHeaderNext(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}

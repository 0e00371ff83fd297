import { currentSession, setSession, type Role, type SessionInfo } from './auth/session';
import type { Alert, AlertDetail, CatalogEntry, ClusterView, DeadLetter, DebugMessage, FlowDocument, FlowStatus, FlowSummary, NodeRedImportReport, Problem, ReportDocument, ReportInfo } from './types';

/**
 * A refused or failed request. `message` is for people (the server's own sentence, or what the status means
 * to a user); the method, path and status stay on the error for code and the console.
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly problems: Problem[] = [], readonly request = '') {
    super(message);
  }
}

/** What a status means to the person who clicked, when the server gave no sentence of its own. */
const STATUS_TEXT: { [status: number]: string } = {
  400: 'The server could not use this request.',
  401: 'Your session has ended: log in again.',
  403: 'Your role does not allow this.',
  404: 'It no longer exists on the server.',
  409: 'Someone changed this meanwhile: reload and try again.',
  413: 'This is too large for the server.',
  429: 'Too many attempts.',
};

/** `unknown user or wrong password` → `Unknown user or wrong password.` */
function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  return `${t.charAt(0).toUpperCase()}${t.slice(1)}${/[.!?:)]$/.test(t) ? '' : '.'}`;
}

function humanMessage(status: number, serverMessage: string | null, retryAfter: string | null): string {
  const base = serverMessage ? sentence(serverMessage) : STATUS_TEXT[status] ?? (status >= 500 ? 'The server failed; try again, and see its log if it persists.' : `The server refused this (status ${status}).`);
  const seconds = Number(retryAfter);
  return status === 429 && Number.isFinite(seconds) && seconds > 0 ? `${base} Try again in ${Math.ceil(seconds)} s.` : base;
}

/** The server is ours and publishes its schemas; the editor trusts the shapes it documents. */
async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: { [name: string]: string } = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  // The session cookie goes by itself; unsafe methods also carry the session's CSRF token.
  const csrf = currentSession()?.csrfToken;
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new HttpError(0, 'Cannot reach the Sluice server: is it running, and is this machine online?', [], `${method} ${path}`);
  }
  // The session ended (expired, logged out elsewhere, password changed): back to the login page.
  if (res.status === 401 && currentSession()) setSession(null);
  if (!res.ok) {
    const { message, problems } = errorBody(await res.text());
    throw new HttpError(res.status, humanMessage(res.status, message, res.headers.get('retry-after')), problems, `${method} ${path}`);
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

const getJson = <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal);

/** The API answers `{error, message}` or, for an invalid flow, `{error, problems}`; a proxy may answer HTML. */
function errorBody(text: string): { message: string | null; problems: Problem[] } {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; problems?: unknown };
    const problems = Array.isArray(parsed.problems) ? (parsed.problems as Problem[]) : [];
    const message = typeof parsed.message === 'string' ? parsed.message : problems.map((p) => p.message).join('; ') || null;
    return { message, problems };
  } catch {
    // Not JSON: not a sentence meant for a person either.
    return { message: null, problems: [] };
  }
}

const flowPath = (id: string) => `/api/flows/${encodeURIComponent(id)}`;

type SessionAnswer = SessionInfo & { kind: 'session' | 'token' };

/** An API token as GET /api/tokens lists it (never its secret). */
export interface ApiToken {
  id: string;
  name: string;
  scopes: string[];
  ratePerMinute: number | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

export const api = {
  session: () => getJson<SessionAnswer | null>('/api/session'),
  login: (name: string, password: string) => request<SessionAnswer>('POST', '/api/login', { name, password }),
  setup: (token: string, name: string, password: string) => request<SessionAnswer>('POST', '/api/setup', { token, name, password }),
  logout: () => request<unknown>('POST', '/api/logout'),
  users: () => getJson<{ name: string; role: Role; createdAt: number }[]>('/api/users'),
  addUser: (name: string, role: Role, password: string) => request<unknown>('POST', '/api/users', { name, role, password }),
  updateUser: (name: string, change: { role?: Role; password?: string }) => request<unknown>('PATCH', `/api/users/${encodeURIComponent(name)}`, change),
  removeUser: (name: string) => request<unknown>('DELETE', `/api/users/${encodeURIComponent(name)}`),
  changePassword: (current: string, password: string) => request<SessionAnswer>('POST', '/api/session/password', { current, password }),
  tokens: () => getJson<ApiToken[]>('/api/tokens'),
  createToken: (body: { name: string; scopes: string[]; expiresInDays?: number }) => request<ApiToken & { token: string }>('POST', '/api/tokens', body),
  revokeToken: (id: string) => request<unknown>('DELETE', `/api/tokens/${encodeURIComponent(id)}`),
  flows: (signal?: AbortSignal) => getJson<FlowSummary[]>('/api/flows', signal),
  catalog: (signal?: AbortSignal) => getJson<CatalogEntry[]>('/api/nodes', signal),
  deployedDocument: (id: string, signal?: AbortSignal) => getJson<FlowDocument>(`${flowPath(id)}/export?revision=deployed`, signal),
  status: (id: string, signal?: AbortSignal) => getJson<FlowStatus>(`${flowPath(id)}/status`, signal),
  cluster: (signal?: AbortSignal) => getJson<({ mode: 'single' }) | ({ mode: 'cluster' } & ClusterView)>('/api/cluster', signal),
  debug: (id: string, signal?: AbortSignal) => getJson<DebugMessage[]>(`${flowPath(id)}/debug`, signal),
  createFlow: (doc: FlowDocument) => request<{ flowId: string; revision: number }>('POST', '/api/flows', doc),
  importFlow: (doc: unknown, tab?: string) => request<{ flowId: string; revision: number; flows?: { flowId: string; revision: number }[] }>('POST', tab ? `/api/import?tab=${encodeURIComponent(tab)}` : '/api/import', doc),
  previewNodeRed: (doc: unknown) => request<{ flows: FlowDocument[]; report: NodeRedImportReport }>('POST', '/api/import?preview=true', doc),
  deploy: (id: string, doc: FlowDocument) => request<{ flowId: string; revision: number }>('POST', `${flowPath(id)}/deploy`, doc),
  secretNames: () => getJson<{ names: string[] }>('/api/secrets'),
  deadLetters: (id: string, signal?: AbortSignal) => getJson<DeadLetter[]>(`${flowPath(id)}/dead-letters?state=pending&limit=200`, signal),
  replayDeadLetter: (id: string, dl: number) => request<unknown>('POST', `${flowPath(id)}/dead-letters/${dl}/replay`),
  discardDeadLetter: (id: string, dl: number) => request<unknown>('DELETE', `${flowPath(id)}/dead-letters/${dl}`),
  alerts: (flowId: string, signal?: AbortSignal) => getJson<Alert[]>(`/api/alerts?flow=${encodeURIComponent(flowId)}&limit=200`, signal),
  acknowledgeAlert: (id: string, by: string, note: string) => request<AlertDetail>('POST', `/api/alerts/${encodeURIComponent(id)}/acknowledge`, { by, note }),
  resolveAlert: (id: string, by: string, note: string) => request<AlertDetail>('POST', `/api/alerts/${encodeURIComponent(id)}/resolve`, { by, note }),
  reports: (flowId: string, signal?: AbortSignal) => getJson<{ reports: ReportInfo[]; documents: ReportDocument[] }>(`/api/reports?flow=${encodeURIComponent(flowId)}&limit=50`, signal),
  runReport: (flowId: string, nodeId: string, period?: string) => request<{ requestId: number; period: string | null }>(
    'POST', `/api/reports/${encodeURIComponent(flowId)}/${encodeURIComponent(nodeId)}/run`, period ? { period } : {}),
};

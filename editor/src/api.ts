import type { CatalogEntry, DebugMessage, FlowDocument, FlowStatus, FlowSummary, StoredRevision } from './types';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** The server is ours and publishes its schemas; the viewer trusts the shapes it documents. */
async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, signal });
  if (!res.ok) {
    const body = await res.text();
    throw new HttpError(res.status, `GET ${path}: ${res.status} ${errorText(body)}`);
  }
  return (await res.json()) as T;
}

/** The API answers `{error, message}`; show the message rather than raw JSON when there is one. */
function errorText(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  } catch (err) {
    return `${body.slice(0, 200)} (${(err as Error).name})`;
  }
  return body.slice(0, 200);
}

const flowPath = (id: string) => `/api/flows/${encodeURIComponent(id)}`;

export const api = {
  flows: (signal?: AbortSignal) => getJson<FlowSummary[]>('/api/flows', signal),
  catalog: (signal?: AbortSignal) => getJson<CatalogEntry[]>('/api/nodes', signal),
  deployedDocument: (id: string, signal?: AbortSignal) => getJson<FlowDocument>(`${flowPath(id)}/export?revision=deployed`, signal),
  draft: (id: string, signal?: AbortSignal) => getJson<StoredRevision>(flowPath(id), signal),
  status: (id: string, signal?: AbortSignal) => getJson<FlowStatus>(`${flowPath(id)}/status`, signal),
  debug: (id: string, signal?: AbortSignal) => getJson<DebugMessage[]>(`${flowPath(id)}/debug`, signal),
};

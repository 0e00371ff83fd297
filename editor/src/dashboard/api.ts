import { HttpError } from '../api';
import type { PageAnswer } from './types';

/**
 * The page's access: a shared link's token (from `#share=…`, sent as a bearer token and never to another
 * site), or else the session cookie of a logged-in user, exactly as the editor uses it.
 */
export function shareToken(hash: string): string | null {
  const m = /(?:^#|&)share=([A-Za-z0-9_-]+)/.exec(hash);
  return m ? m[1]! : null;
}

export class DashboardApi {
  constructor(readonly page: string, readonly token: string | null) {}

  private async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    const headers: { [name: string]: string } = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(path, { headers, credentials: this.token ? 'omit' : 'same-origin', signal });
    if (!res.ok) {
      const text = await res.text();
      let message = text.slice(0, 300);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {
        // Not JSON (a proxy's error page): the text itself says what happened.
      }
      throw new HttpError(res.status, message);
    }
    return (await res.json()) as T;
  }

  layout(signal?: AbortSignal): Promise<PageAnswer> {
    return this.get(`/api/dashboards/${this.page}`, signal);
  }

  async query<T>(flowId: string, nodeId: string, name: string, params: { [key: string]: string | number } = {}, signal?: AbortSignal): Promise<T> {
    const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();
    const path = `/api/dashboards/${this.page}/widgets/${encodeURIComponent(flowId)}/${encodeURIComponent(nodeId)}/query/${encodeURIComponent(name)}${qs ? `?${qs}` : ''}`;
    return (await this.get<{ result: T }>(path, signal)).result;
  }

  liveUrl(location: Location): string {
    return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/dashboards/${this.page}/live`;
  }

  /** Browsers cannot set headers on a WebSocket: the token goes as a subprotocol beside ours. */
  liveProtocols(): string[] {
    return this.token ? ['sluice.dashboard', `bearer.${this.token}`] : ['sluice.dashboard'];
  }
}

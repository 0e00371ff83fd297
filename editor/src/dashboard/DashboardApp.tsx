import { useEffect, useMemo, useState } from 'react';
import { api, HttpError } from '../api';
import { Login } from '../auth/Login';
import { setSession, useSession } from '../auth/session';
import { DashboardApi } from './api';
import { WidgetContextValue } from './context';
import { PageLive, type LiveState } from './live';
import { Page } from './Page';
import { PageIndex } from './PageIndex';
import { ShareDialog } from './ShareDialog';
import type { PageAnswer } from './types';

const RANGES: [string, number | null][] = [
  ['each chart\'s own', null], ['last 15 minutes', 900_000], ['last hour', 3_600_000], ['last 6 hours', 21_600_000],
  ['last 24 hours', 86_400_000], ['last 7 days', 604_800_000],
];

/**
 * `/dashboards/<page>`: a shared link (`#share=<token>`) shows the page with its token; anyone else logs in
 * as in the editor. `/dashboards/` lists the pages.
 */
export function DashboardApp({ page, token }: { page: string | null; token: string | null }) {
  const session = useSession();
  const [sessionError, setSessionError] = useState<string | null>(null);
  useEffect(() => {
    if (token) return;
    api.session().then((s) => setSession(s && { name: s.name, role: s.role, csrfToken: s.csrfToken }), (err: unknown) => setSessionError((err as Error).message));
  }, [token]);

  if (!token) {
    if (sessionError) return <main className="sl-login"><p className="sl-field-error" role="alert">{sessionError}</p></main>;
    if (session === undefined) return <main className="sl-login"><p className="sl-muted">Loading…</p></main>;
    if (session === null) return <Login setupToken={null} />;
  }
  if (page === null) return <PageIndex />;
  return <DashboardPage page={page} token={token} />;
}

function DashboardPage({ page, token }: { page: string; token: string | null }) {
  const client = useMemo(() => new DashboardApi(page, token), [page, token]);
  const live = useMemo(() => new PageLive(client), [client]);
  const [answer, setAnswer] = useState<PageAnswer | null>(null);
  const [error, setError] = useState<{ status: number; message: string } | null>(null);
  const [rangeMs, setRangeMs] = useState<number | null>(null);
  const [liveState, setLiveState] = useState<LiveState>('connecting');
  const [sharing, setSharing] = useState(false);

  useEffect(() => {
    document.title = `${page} · Sluice dashboard`;
    const abort = new AbortController();
    let started = false;
    let dropped = false;
    const load = () => client.layout(abort.signal).then((a) => {
      setAnswer(a);
      setError(null);
      // The socket opens once the page is known to be visible: a refused page opens none.
      if (!started) {
        started = true;
        live.start();
      }
    }, (err: unknown) => {
      if (!abort.signal.aborted) setError({ status: err instanceof HttpError ? err.status : 0, message: (err as Error).message });
    });
    void load();
    const unState = live.onState((s) => {
      setLiveState(s);
      if (s === 'closed') dropped = true;
      // Back after a restart or a redeploy: the page's widgets may have changed.
      if (s === 'open' && dropped) {
        dropped = false;
        void load();
      }
    });
    return () => {
      abort.abort();
      unState();
      live.stop();
    };
  }, [client, live, page]);

  const ctx = useMemo(() => answer && {
    api: client, live, rangeMs, canAct: answer.viewer.canAct, viewerName: answer.viewer.name,
  }, [answer, client, live, rangeMs]);

  return (
    <div className="sd-app">
      <header className="sd-header">
        <div className="sl-brand"><span className="sl-logo" aria-hidden="true" />Sluice</div>
        <h1 data-testid="page-title">{page}</h1>
        {answer ? <span className="sd-flows">{answer.flows.map((f) => f.name).join(' · ')}</span> : null}
        <span className={`sd-live sd-live-${liveState}`} data-testid="live-state" title="Live updates">
          <span className="sl-dot" aria-hidden="true" />{liveState === 'open' ? 'live' : liveState === 'connecting' ? 'connecting…' : 'reconnecting…'}
        </span>
        <label className="sd-range">
          <span className="sl-muted">Time range</span>
          <select value={rangeMs ?? ''} onChange={(e) => setRangeMs(e.target.value === '' ? null : Number(e.target.value))}>
            {RANGES.map(([label, ms]) => <option key={label} value={ms ?? ''}>{label}</option>)}
          </select>
        </label>
        {answer?.viewer.canAct ? <button type="button" className="sl-small" onClick={() => setSharing(true)}>Share…</button> : null}
        {answer && !answer.viewer.shared ? <a className="sd-editor-link" href={`/#/flows/${encodeURIComponent(answer.flows[0]?.id ?? '')}`}>Editor</a> : null}
        {answer?.viewer.shared ? <span className="sl-muted sd-shared" title="This page was shared with you read-only">shared, read-only</span> : null}
      </header>
      {error ? <PageError page={page} error={error} shared={token !== null} /> : null}
      {answer && ctx ? (
        <WidgetContextValue.Provider value={ctx}>
          <Page page={answer} />
        </WidgetContextValue.Provider>
      ) : null}
      {sharing ? <ShareDialog page={page} onClose={() => setSharing(false)} /> : null}
    </div>
  );
}

function PageError({ page, error, shared }: { page: string; error: { status: number; message: string }; shared: boolean }) {
  const text = error.status === 401 && shared ? 'This shared link has expired or was revoked. Ask whoever shared it for a new one.'
    : error.status === 403 && shared ? `This link does not show the page "${page}".`
      : error.message;
  return <main className="sd-page"><p className="sd-error sd-page-error" role="alert" data-testid="page-error">{text}</p></main>;
}

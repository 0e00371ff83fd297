import { useEffect, useState } from 'react';

/** `/dashboards/`: the pages of the running flows. */
export function PageIndex() {
  const [pages, setPages] = useState<{ page: string; widgets: number; flows: string[] }[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Dashboards · Sluice';
    fetch('/api/dashboards', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(async (res) => (res.ok ? setPages(await res.json()) : setError(`${res.status} ${await res.text()}`)), (err: unknown) => setError((err as Error).message));
  }, []);
  return (
    <div className="sd-app">
      <header className="sd-header">
        <div className="sl-brand"><span className="sl-logo" aria-hidden="true" />Sluice</div>
        <h1>Dashboards</h1>
        <a className="sd-editor-link" href="/">Editor</a>
      </header>
      <main className="sd-page">
        {error ? <p className="sd-error" role="alert">{error}</p> : null}
        {pages && pages.length === 0 ? <p className="sd-empty">No dashboards yet: add a chart, stat, table or alerts node to a flow and deploy it.</p> : null}
        <ul className="sd-index">
          {(pages ?? []).map((p) => (
            <li key={p.page}><a href={`/dashboards/${p.page}`}>{p.page}</a> <span className="sl-muted">{p.widgets} widgets · {p.flows.join(', ')}</span></li>
          ))}
        </ul>
      </main>
    </div>
  );
}

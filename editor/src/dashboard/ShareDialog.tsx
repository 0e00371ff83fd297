import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { currentSession } from '../auth/session';

interface Share { id: string; name: string; createdBy: string; createdAt: number; expiresAt: number | null; lastUsedAt: number | null }

/** Editors share the page read-only: a link that expires, can be revoked, and is listed here until then. */
export function ShareDialog({ page, onClose }: { page: string; onClose(): void }) {
  const [shares, setShares] = useState<Share[]>([]);
  const [name, setName] = useState('');
  const [days, setDays] = useState(30);
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  const base = `/api/dashboards/${page}/shares`;

  const call = useCallback(async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: { [k: string]: string } = { accept: 'application/json', 'x-csrf-token': currentSession()?.csrfToken ?? '' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `${res.status}`);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }, []);

  const list = useCallback(() => call<Share[]>('GET', base).then(setShares, (e: unknown) => setError((e as Error).message)), [call, base]);
  useEffect(() => {
    void list();
    ref.current?.querySelector('input')?.focus();
  }, [list]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const made = await call<{ path: string }>('POST', base, { name, expiresInDays: days });
      setLink(`${window.location.origin}${made.path}`);
      setName('');
      await list();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const revoke = async (id: string) => {
    try {
      await call('DELETE', `${base}/${encodeURIComponent(id)}`);
      await list();
    } catch (err) {
      setError((err as Error).message);
    }
  };

  return (
    <div className="sl-modal-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onClose(); }}>
      <div ref={ref} className="sl-modal sd-share" role="dialog" aria-modal="true" aria-label="Share this page" data-testid="share-dialog"
        onKeyDown={(e) => { if (e.key === 'Escape') onClose(); }}>
        <header className="sl-modal-head">
          <h2>Share “{page}” read-only</h2>
          <button type="button" className="sl-small" onClick={onClose} aria-label="Close">×</button>
        </header>
        <p className="sl-muted">People with the link see this page and nothing else: no editor, no other page, no API. Each opening is in the audit log.</p>
        <form className="sd-share-form" onSubmit={(e) => void create(e)}>
          <input aria-label="Who the link is for" placeholder="Who it is for, e.g. site neighbours" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
          <label>expires in <input type="number" min={1} max={365} value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label="Days" /> days</label>
          <button type="submit" className="sl-primary sl-small">Create link</button>
        </form>
        {link ? (
          <div className="sd-share-link">
            <p>Copy the link now: it is shown this once.</p>
            <input readOnly value={link} data-testid="share-link" onFocus={(e) => e.currentTarget.select()} />
          </div>
        ) : null}
        {error ? <p className="sl-field-error" role="alert">{error}</p> : null}
        <ul className="sd-share-list">
          {shares.map((s) => (
            <li key={s.id}>
              <span>{s.name}</span>
              <span className="sl-muted">by {s.createdBy}{s.expiresAt ? `, expires ${new Date(s.expiresAt).toLocaleDateString()}` : ''}{s.lastUsedAt ? `, last used ${new Date(s.lastUsedAt).toLocaleString()}` : ', not used yet'}</span>
              <button type="button" className="sl-small" onClick={() => void revoke(s.id)}>Revoke</button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

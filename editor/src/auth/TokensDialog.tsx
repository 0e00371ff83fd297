import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Modal } from '../components/Modal';
import { api, type ApiToken } from '../api';

const day = (ms: number | null) => (ms === null ? '—' : new Date(ms).toISOString().slice(0, 10));

/** Admins only: API tokens for scripts, CI and external readers. A new token's secret is shown once. */
export function TokensDialog({ onClose }: { onClose: () => void }) {
  const [tokens, setTokens] = useState<ApiToken[] | null>(null);
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api.tokens().then(setTokens, (err: unknown) => setError((err as Error).message));
  }, []);
  useEffect(reload, [reload]);
  const act = <T,>(action: Promise<T>) => action.then((r) => { setError(null); reload(); return r; }, (err: unknown) => { setError((err as Error).message); return undefined; });

  return (
    <Modal title="API tokens" testId="tokens-dialog" onClose={onClose}>
      {error ? <p className="sl-field-error" role="alert">{error}</p> : null}
      {created ? (
        <div role="status" className="sl-token-created">
          <p>Token <strong>{created.name}</strong>, shown this once: copy it now. Send it as <code>Authorization: Bearer …</code>.</p>
          <input type="text" readOnly aria-label="New token" value={created.token} onFocus={(e) => e.currentTarget.select()} />
        </div>
      ) : null}
      <table className="sl-users">
        <tbody>
          {tokens?.map((t) => (
            <tr key={t.id} data-testid="token-row">
              <td>{t.name}</td>
              <td>{t.scopes.join(' ')}</td>
              <td title={`created by ${t.createdBy}`}>expires {day(t.expiresAt)}</td>
              <td>last used {day(t.lastUsedAt)}</td>
              <td><button type="button" className="sl-small" aria-label={`Revoke ${t.name}`} onClick={() => void act(api.revokeToken(t.id))}>Revoke</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <NewToken onCreate={(request) => act(api.createToken(request)).then((t) => { if (t) setCreated({ name: t.name, token: t.token }); })} />
    </Modal>
  );
}

function NewToken({ onCreate }: { onCreate: (request: { name: string; scopes: string[]; expiresInDays?: number }) => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('viewer');
  const [days, setDays] = useState('90');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void onCreate({ name, scopes: scopes.split(/[\s,]+/).filter(Boolean), ...(days.trim() ? { expiresInDays: Number(days) } : {}) })
      .then(() => setName(''));
  };
  return (
    <form className="sl-users-add" aria-label="Create a token" onSubmit={submit}>
      <input type="text" aria-label="Token name" placeholder="name (who uses it)" required value={name} onChange={(e) => setName(e.target.value)} />
      <input type="text" aria-label="Token scopes" title="viewer | editor | admin, or flow:<id>, alerts, alerts:<flow id>; several separated by spaces"
        placeholder="scopes" required value={scopes} onChange={(e) => setScopes(e.target.value)} />
      <input type="number" aria-label="Expires in days" placeholder="days (empty: never)" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} />
      <button type="submit" className="sl-primary">Create token</button>
    </form>
  );
}

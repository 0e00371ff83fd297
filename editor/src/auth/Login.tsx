import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { setSession } from './session';

/** `#setup=<token>`: the one-time link `sluice start` prints while there are no users. */
export function setupTokenFromHash(hash: string): string | null {
  const m = /^#setup=([A-Za-z0-9_-]+)$/.exec(hash);
  return m ? m[1]! : null;
}

/** The login page; with the one-time link's token, the form that creates the first admin instead. */
export function Login({ setupToken }: { setupToken: string | null }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      const s = setupToken ? await api.setup(setupToken, name, password) : await api.login(name, password);
      // The token is spent: it must not stay in the address bar or the history.
      if (setupToken) window.history.replaceState(null, '', window.location.pathname);
      setSession({ name: s.name, role: s.role, csrfToken: s.csrfToken });
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <main className="sl-login">
      <form className="sl-login-form" aria-label={setupToken ? 'Create the first admin' : 'Log in'} onSubmit={(e) => void submit(e)}>
        <div className="sl-brand"><span className="sl-logo" aria-hidden="true" />Sluice</div>
        <h1>{setupToken ? 'Create the first admin' : 'Log in'}</h1>
        {setupToken ? <p className="sl-muted">This one-time link works once. The account you create here is an admin.</p> : null}
        <label className="sl-field">
          <span className="sl-field-label">Name</span>
          <input type="text" name="username" autoComplete="username" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="sl-field">
          <span className="sl-field-label">Password</span>
          <input type="password" name="password" autoComplete={setupToken ? 'new-password' : 'current-password'} required
            minLength={setupToken ? 10 : 1} value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error ? <p className="sl-field-error" role="alert">{error}</p> : null}
        <button type="submit" className="sl-primary" disabled={busy}>{setupToken ? 'Create admin and log in' : 'Log in'}</button>
      </form>
    </main>
  );
}

import { useEffect, useState, type ReactNode } from 'react';
import { api } from '../api';
import { Login, setupTokenFromHash } from './Login';
import { hasRole, setSession, useSession } from './session';
import { PasswordDialog } from './PasswordDialog';
import { TokensDialog } from './TokensDialog';
import { UsersDialog } from './UsersDialog';

/** Shows the editor to a logged-in user and the login page to anyone else (also after the session ends). */
export function SessionGate({ children }: { children: ReactNode }) {
  const session = useSession();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.session().then(
      (s) => setSession(s && { name: s.name, role: s.role, csrfToken: s.csrfToken }),
      (err: unknown) => setError((err as Error).message),
    );
  }, []);
  if (session === undefined) {
    return <main className="sl-login">{error ? <p className="sl-field-error" role="alert">{error}</p> : <p className="sl-muted">Loading…</p>}</main>;
  }
  if (session === null) return <Login setupToken={setupTokenFromHash(window.location.hash)} />;
  return <>{children}</>;
}

/** The user's name and role in the header, and the way out. */
export function UserMenu() {
  const session = useSession();
  const [open, setOpen] = useState<'users' | 'tokens' | 'password' | null>(null);
  if (!session) return null;
  const close = () => setOpen(null);
  const logout = () => api.logout().then(() => setSession(null), (err: unknown) => console.warn('logout failed', err));
  return (
    <div className="sl-user" data-testid="user">
      <span>{session.name}</span>
      {session.role ? <span className="sl-pill" data-testid="role">{session.role}</span> : null}
      {hasRole('admin', session) ? <button type="button" className="sl-small" onClick={() => setOpen('users')}>Users</button> : null}
      {hasRole('admin', session) ? <button type="button" className="sl-small" onClick={() => setOpen('tokens')}>API tokens</button> : null}
      <button type="button" className="sl-small" onClick={() => setOpen('password')}>Password</button>
      <button type="button" className="sl-small" onClick={() => void logout()}>Log out</button>
      {open === 'users' ? <UsersDialog onClose={close} /> : null}
      {open === 'tokens' ? <TokensDialog onClose={close} /> : null}
      {open === 'password' ? <PasswordDialog onClose={close} /> : null}
    </div>
  );
}

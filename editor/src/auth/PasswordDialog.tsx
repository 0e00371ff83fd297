import { useState, type FormEvent } from 'react';
import { Modal } from '../components/Modal';
import { api } from '../api';
import { setSession } from './session';

/** Changes one's own password. The server ends every session of the user and answers with a new one. */
export function PasswordDialog({ onClose }: { onClose: () => void }) {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) {
      setError('the two new passwords differ');
      return;
    }
    api.changePassword(current, password).then(
      (s) => {
        setSession({ name: s.name, role: s.role, csrfToken: s.csrfToken });
        setError(null);
        setDone(true);
      },
      (err: unknown) => setError((err as Error).message),
    );
  };
  return (
    <Modal title="Change password" testId="password-dialog" onClose={onClose}>
      {error ? <p className="sl-field-error" role="alert">{error}</p> : null}
      {done ? <p role="status">Password changed. Your other sessions have ended.</p> : (
        <form className="sl-users-add" aria-label="Change password" onSubmit={submit}>
          <input type="password" aria-label="Current password" placeholder="current password" autoComplete="current-password" required
            value={current} onChange={(e) => setCurrent(e.target.value)} />
          <input type="password" aria-label="New password" placeholder="new password (10+ characters)" autoComplete="new-password" required minLength={10}
            value={password} onChange={(e) => setPassword(e.target.value)} />
          <input type="password" aria-label="Repeat the new password" placeholder="new password again" autoComplete="new-password" required minLength={10}
            value={repeat} onChange={(e) => setRepeat(e.target.value)} />
          <button type="submit" className="sl-primary">Change password</button>
        </form>
      )}
    </Modal>
  );
}

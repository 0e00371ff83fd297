import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Modal } from '../components/Modal';
import { api } from '../api';
import type { Role } from './session';

interface User { name: string; role: Role; createdAt: number }

const ROLES: Role[] = ['viewer', 'editor', 'admin'];

/** Admins only: users and their roles. */
export function UsersDialog({ onClose }: { onClose: () => void }) {
  const [users, setUsers] = useState<User[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api.users().then((u) => { setUsers(u); }, (err: unknown) => setError((err as Error).message));
  }, []);
  useEffect(reload, [reload]);
  const act = (action: Promise<unknown>) => action.then(() => { setError(null); reload(); }, (err: unknown) => setError((err as Error).message));

  return (
    <Modal title="Users" testId="users-dialog" onClose={onClose}>
      {error ? <p className="sl-field-error" role="alert">{error}</p> : null}
      <table className="sl-users">
        <tbody>
          {users?.map((u) => (
            <tr key={u.name} data-testid="user-row">
              <td>{u.name}</td>
              <td>
                <select aria-label={`Role of ${u.name}`} value={u.role} onChange={(e) => void act(api.updateUser(u.name, { role: e.target.value as Role }))}>
                  {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </td>
              <td><button type="button" className="sl-small" onClick={() => void act(api.removeUser(u.name))}>Remove</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <AddUser onAdd={(name, role, password) => act(api.addUser(name, role, password))} />
    </Modal>
  );
}

function AddUser({ onAdd }: { onAdd: (name: string, role: Role, password: string) => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void onAdd(name, role, password).then(() => { setName(''); setPassword(''); });
  };
  return (
    <form className="sl-users-add" aria-label="Add a user" onSubmit={submit}>
      <input type="text" aria-label="New user name" placeholder="name" required value={name} onChange={(e) => setName(e.target.value)} />
      <select aria-label="New user role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
        {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      <input type="password" aria-label="New user password" placeholder="password (10+ characters)" autoComplete="new-password" required minLength={10}
        value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" className="sl-primary">Add user</button>
    </form>
  );
}

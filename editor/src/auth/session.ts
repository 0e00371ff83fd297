import { useSyncExternalStore } from 'react';

export type Role = 'viewer' | 'editor' | 'admin';

/** Who is logged in, as GET /api/session answers; the CSRF token goes with every unsafe request. */
export interface SessionInfo {
  name: string;
  role: Role | null;
  csrfToken: string | null;
}

/** undefined: not asked yet; null: nobody is logged in. */
let current: SessionInfo | null | undefined;
const listeners = new Set<() => void>();

export function setSession(session: SessionInfo | null): void {
  current = session;
  for (const l of listeners) l();
}

export function currentSession(): SessionInfo | null | undefined {
  return current;
}

export function useSession(): SessionInfo | null | undefined {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, () => current);
}

const RANK: { [role in Role]: number } = { viewer: 0, editor: 1, admin: 2 };

/** The server decides; this only hides controls the role could not use anyway. */
export function hasRole(needed: Role, session: SessionInfo | null | undefined = current): boolean {
  return !!session?.role && RANK[session.role] >= RANK[needed];
}

/** Editors and admins change drafts, deploy, import, acknowledge alerts and replay dead letters. */
export const canEdit = (session: SessionInfo | null | undefined = current) => hasRole('editor', session);

export function useCanEdit(): boolean {
  return canEdit(useSession());
}

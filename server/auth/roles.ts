import { isSafeName } from '../core/names.js';

/** admin: users, tokens, secrets and everything below; editor: edit and deploy flows, alerts, dead letters; viewer: read. */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleAtLeast(role: Role | null, needed: Role): boolean {
  return role !== null && ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * What an API token may do. Either one role (`viewer`, `editor`, `admin`: the API at that level, for scripts
 * and CI) or external read scopes: `flow:<id>` (that flow's outputs: status, debug messages, node queries),
 * `alerts` (every alert feed) and `alerts:<flowId>` (one flow's alerts). External tokens are read-only and
 * rate-limited.
 */
export type Scope = Role | `flow:${string}` | 'alerts' | `alerts:${string}`;

export function parseScopes(list: string[]): { scopes: Scope[] } | { error: string } {
  if (list.length === 0) return { error: 'a token needs a scope: viewer, editor, admin, flow:<id>, alerts or alerts:<flowId>' };
  const roles = list.filter(isRole);
  if (roles.length > 0 && list.length > 1) {
    return { error: `a role scope (${roles.join(', ')}) stands alone; external scopes (flow:<id>, alerts) cannot be mixed with it` };
  }
  for (const s of list) {
    if (isRole(s) || s === 'alerts') continue;
    const m = /^(flow|alerts):(.*)$/.exec(s);
    if (!m || !isSafeName(m[2])) return { error: `unknown scope "${s}"; expected viewer, editor, admin, flow:<id>, alerts or alerts:<flowId>` };
  }
  return { scopes: [...new Set(list)] as Scope[] };
}

/** How a route declares who may call it; app routes that declare nothing make the server refuse to start. */
export type Access =
  | 'public'
  | Role
  /** Viewers, and external tokens with `flow:<:id>` (the route has an `:id` flow parameter). */
  | { scope: 'flow' }
  /** Viewers, and external tokens with an alerts scope; the route narrows the answer to the token's flows. */
  | { scope: 'alerts' };

export function describeAccess(access: Access): string {
  return typeof access === 'string' ? access : `viewer or a ${access.scope === 'flow' ? 'flow:<id>' : 'alerts'} scope`;
}

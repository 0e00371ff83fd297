import { isSafeName } from '../core/names.js';
import { isPageName, PAGE_NAME_RULE } from '../core/page-name.js';

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
 * `alerts` (every alert feed), `alerts:<flowId>` (one flow's alerts) and `dashboard:<page>` (one dashboard
 * page and its widgets' data: a shared link). External tokens are read-only and rate-limited.
 */
export type Scope = Role | `flow:${string}` | 'alerts' | `alerts:${string}` | `dashboard:${string}`;

const EXPECTED = 'viewer, editor, admin, flow:<id>, alerts, alerts:<flowId> or dashboard:<page>';

export function parseScopes(list: string[]): { scopes: Scope[] } | { error: string } {
  if (list.length === 0) return { error: `a token needs a scope: ${EXPECTED}` };
  const roles = list.filter(isRole);
  if (roles.length > 0 && list.length > 1) {
    return { error: `a role scope (${roles.join(', ')}) stands alone; external scopes (flow:<id>, alerts, dashboard:<page>) cannot be mixed with it` };
  }
  for (const s of list) {
    if (isRole(s) || s === 'alerts') continue;
    const m = /^(flow|alerts|dashboard):(.*)$/.exec(s);
    const valid = m && (m[1] === 'dashboard' ? isPageName(m[2]) : isSafeName(m[2]));
    if (!valid) return { error: `unknown scope "${s}"; expected ${EXPECTED}${m?.[1] === 'dashboard' ? ` (${PAGE_NAME_RULE})` : ''}` };
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
  | { scope: 'alerts' }
  /** Viewers, and external tokens with `dashboard:<:page>` (the route has a `:page` parameter). */
  | { scope: 'dashboard' };

export function describeAccess(access: Access): string {
  if (typeof access === 'string') return access;
  return `viewer or a ${access.scope === 'flow' ? 'flow:<id>' : access.scope === 'dashboard' ? 'dashboard:<page>' : 'alerts'} scope`;
}

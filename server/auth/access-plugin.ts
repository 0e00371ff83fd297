import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { AuthStore, Principal } from './auth-store.js';
import { describeAccess, isRole, roleAtLeast, type Access } from './roles.js';
import { RateLimiter } from './throttle.js';
import { sameSecret } from './secrets.js';

export const SESSION_COOKIE = 'sluice_session';
export const CSRF_HEADER = 'x-csrf-token';

/** One route as the server registered it, with the access it declared: what the route test enumerates. */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
  websocket: boolean;
}

export interface AccessOptions {
  store: AuthStore;
  /**
   * A bearer token accepted as admin without being stored (SLUICE_ADMIN_TOKEN): for CI and containers that
   * must drive a fresh server before any user exists. At least 32 characters.
   */
  adminToken?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthStore;
    /** Every route with its declared access, in registration order. */
    routeAccess: RouteAccess[];
    /** Who sent the request (bearer token or session cookie); null when nobody, `refused` with the reason. */
    identify(request: FastifyRequest): Principal | { refused: string } | null;
  }
  interface FastifyRequest {
    /** Set on every non-public route before its handler runs. */
    principal: Principal | null;
    /** Records an action in the audit log with the caller as actor. */
    audit(action: string, target: string, detail?: unknown): void;
  }
  interface FastifyContextConfig {
    /** Required on every route: who may call it (see server/auth/roles.ts). */
    access?: Access;
  }
}

const DEFAULT_ACCESS = Symbol('sluice.defaultAccess');
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Routes registered by a third-party plugin inside `register` cannot carry our config: they get `access`.
 * Used for the static editor and the OpenAPI pages, which are public.
 */
export async function withAccess(app: FastifyInstance, access: Access, register: (scope: FastifyInstance) => PromiseLike<unknown>): Promise<void> {
  await app.register(async (scope) => {
    (scope as unknown as { [DEFAULT_ACCESS]: Access })[DEFAULT_ACCESS] = access;
    await register(scope);
  });
}

/**
 * Authentication and authorisation for every route. Each route MUST declare `config.access`; a route that
 * does not makes the server throw at startup, so a new route cannot be open by omission. Non-public routes
 * get an onRequest check that runs before the body is read and before a WebSocket upgrade.
 */
export const accessControl = fp(async (app: FastifyInstance, options: AccessOptions) => {
  const { store } = options;
  if (options.adminToken !== undefined && options.adminToken.length < 32) {
    throw new Error('SLUICE_ADMIN_TOKEN must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  const limiter = new RateLimiter();
  app.decorate('auth', store);
  app.decorate('routeAccess', [] as RouteAccess[]);
  app.decorateRequest('principal', null);
  app.decorateRequest('audit', function (this: FastifyRequest, action: string, target: string, detail?: unknown) {
    store.audit({ actor: this.principal?.name ?? 'anonymous', action, target, detail, ip: this.ip });
  });

  const identify = (request: FastifyRequest): Principal | { refused: string } | null => {
    const header = request.headers.authorization ?? protocolBearer(request.headers['sec-websocket-protocol']);
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m) return { refused: 'the Authorization header must be "Bearer <token>"' };
      if (options.adminToken !== undefined && sameSecret(m[1]!, options.adminToken)) {
        return { kind: 'token', name: 'token:SLUICE_ADMIN_TOKEN', tokenId: 'env', role: 'admin', scopes: ['admin'], ratePerMinute: null };
      }
      return store.checkToken(m[1]!);
    }
    const sessionId = cookie(request.headers.cookie, SESSION_COOKIE);
    if (sessionId === undefined) return null;
    return store.session(sessionId) ?? { refused: 'the session has expired or was ended; log in again' };
  };
  app.decorate('identify', identify);

  const check = (route: RouteAccess): onRequestHookHandler => async (request: FastifyRequest, reply: FastifyReply) => {
    const who = identify(request);
    if (who === null) return deny(reply, 401, 'unauthenticated', `${route.method} ${route.url} needs a session or an API token (Authorization: Bearer …)`);
    if ('refused' in who) return deny(reply, 401, 'unauthenticated', who.refused);
    request.principal = who;
    if (!allows(route.access, who, request.params as { id?: string; page?: string })) {
      return deny(reply, 403, 'forbidden', `${route.method} ${route.url} needs ${describeAccess(route.access)}; ${describe(who)}`);
    }
    if (who.kind === 'session') {
      const csrf = csrfProblem(request, who.csrf, route.websocket);
      if (csrf) return deny(reply, 403, 'csrf', csrf);
    }
    if (who.kind === 'token' && who.ratePerMinute !== null) {
      const waitMs = limiter.take(who.tokenId, who.ratePerMinute);
      if (waitMs > 0) {
        reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
        return deny(reply, 429, 'rate-limited', `token ${who.tokenId} may make ${who.ratePerMinute} requests per minute`);
      }
    }
  };

  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions) {
    const access = route.config?.access ?? (this as unknown as { [DEFAULT_ACCESS]?: Access })[DEFAULT_ACCESS];
    const methods = ([] as string[]).concat(route.method);
    if (!validAccess(access)) {
      throw new Error(`route ${methods.join(',')} ${route.url} must declare who may call it: `
        + `config: { access: 'public' | 'viewer' | 'editor' | 'admin' | { scope: 'flow' | 'alerts' | 'dashboard' } }`);
    }
    if (typeof access === 'object' && access.scope === 'flow' && !route.url.includes(':id')) {
      throw new Error(`route ${route.url}: access { scope: 'flow' } needs an :id flow parameter`);
    }
    if (typeof access === 'object' && access.scope === 'dashboard' && !route.url.includes(':page')) {
      throw new Error(`route ${route.url}: access { scope: 'dashboard' } needs a :page parameter`);
    }
    for (const method of methods) {
      const entry: RouteAccess = { method, url: route.url, access, websocket: route.websocket === true };
      app.routeAccess.push(entry);
    }
    // The OpenAPI document says who may call each operation (@fastify/swagger reads the schema after this hook).
    if (route.schema && !route.schema.hide) {
      const schema = route.schema as { description?: string; security?: unknown[] };
      route.schema = {
        ...route.schema,
        description: `${schema.description ? `${schema.description}\n\n` : ''}Access: ${describeAccess(access)}.`,
        ...(access === 'public' ? { security: [] } : {}),
      };
    }
    if (access === 'public') return;
    const hook = check({ method: methods.join(','), url: route.url, access, websocket: route.websocket === true });
    route.onRequest = [hook, ...([] as onRequestHookHandler[]).concat(route.onRequest ?? [])];
  });
}, { name: 'sluice-access' });

function validAccess(access: unknown): access is Access {
  if (access === 'public' || isRole(access)) return true;
  const scope = (access as { scope?: unknown } | undefined)?.scope;
  return typeof access === 'object' && access !== null && (scope === 'flow' || scope === 'alerts' || scope === 'dashboard');
}

export function allows(access: Access, who: Principal, params: { id?: string; page?: string }): boolean {
  if (access === 'public') return true;
  if (typeof access === 'string') return roleAtLeast(who.role, access);
  if (roleAtLeast(who.role, 'viewer')) return true;
  if (who.kind !== 'token') return false;
  if (access.scope === 'flow') return params.id !== undefined && who.scopes.includes(`flow:${params.id}`);
  if (access.scope === 'dashboard') return params.page !== undefined && who.scopes.includes(`dashboard:${params.page}`);
  return who.scopes.some((s) => s === 'alerts' || s.startsWith('alerts:'));
}

/** The flows whose alerts the caller may read: null for all of them. */
export function alertFlows(who: Principal | null): Set<string> | null {
  if (!who || roleAtLeast(who.role, 'viewer') || who.kind !== 'token' || who.scopes.includes('alerts')) return null;
  return new Set(who.scopes.filter((s) => s.startsWith('alerts:')).map((s) => s.slice('alerts:'.length)));
}

function describe(who: Principal): string {
  if (who.kind === 'session') return `${who.name} is ${who.role}`;
  return `${who.name} has scope ${who.scopes.join(', ')}`;
}

/**
 * Cookies ride along on cross-site requests the browser makes by itself: an unsafe method needs the session's
 * CSRF token in X-CSRF-Token (the editor reads it from /api/session), and an Origin, when sent, must be ours.
 * WebSocket upgrades are GETs but act: they need a same-origin Origin (browsers always send one).
 */
function csrfProblem(request: FastifyRequest, csrf: string, websocket: boolean): string | null {
  const cross = crossSite(request);
  if (cross) return cross;
  const origin = request.headers.origin;
  if (websocket && origin === undefined) return 'a WebSocket opened with the session cookie must send an Origin header';
  if (!UNSAFE.has(request.method)) return null;
  const sent = request.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sameSecret(sent, csrf)) return `${request.method} with a session cookie needs the ${CSRF_HEADER} header from GET /api/session`;
  return null;
}

/** Why a browser request comes from another site (its Origin or Sec-Fetch-Site says so), or null. */
export function crossSite(request: FastifyRequest): string | null {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== `${request.protocol}://${request.host}`) {
    return `the request comes from ${origin}, not from this server (${request.protocol}://${request.host})`;
  }
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `a ${site} request cannot use the session`;
  return null;
}

/**
 * Browsers cannot set headers on a WebSocket: a page holding a token (a shared dashboard link) offers it as
 * the subprotocol `bearer.<token>` beside its own, which the server answers with (ws picks the first one).
 */
export const BEARER_PROTOCOL = 'bearer.';

function protocolBearer(header: string | string[] | undefined): string | undefined {
  const offered = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((p) => p.trim());
  const token = offered.find((p) => p.startsWith(BEARER_PROTOCOL));
  return token === undefined ? undefined : `Bearer ${token.slice(BEARER_PROTOCOL.length)}`;
}

function deny(reply: FastifyReply, status: number, error: string, message: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="sluice"');
  return reply.code(status).send({ error, message });
}

/** The raw value: session ids are base64url, so nothing needs decoding (and a malformed %-escape cannot throw). */
export function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  // Strict: the editor is one origin that loads its data with fetch, so no cross-site navigation ever needs the cookie.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}


import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { cookie, crossSite, SESSION_COOKIE, sessionCookie } from '../../auth/access-plugin.js';
import { ROLES, parseScopes } from '../../auth/roles.js';
import { LoginThrottle } from '../../auth/throttle.js';
import { ApiError } from '../errors.js';
import { ErrorBody, withErrors } from '../schemas.js';
import '../decorators.js';

const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));
const UserSchema = Type.Object({ name: Type.String(), role: RoleSchema, createdAt: Type.Number() });
const Credentials = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 1024 }),
}, { additionalProperties: false });
const SessionSchema = Type.Object({
  name: Type.String(),
  role: Type.Union([RoleSchema, Type.Null()]),
  kind: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  scopes: Type.Array(Type.String()),
  csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'Send it as X-CSRF-Token on POST/PUT/PATCH/DELETE with the session cookie.' }),
});
const TokenSchema = Type.Object({
  id: Type.String(), name: Type.String(), scopes: Type.Array(Type.String()), ratePerMinute: Type.Union([Type.Integer(), Type.Null()]),
  createdBy: Type.String(), createdAt: Type.Number(), expiresAt: Type.Union([Type.Number(), Type.Null()]), lastUsedAt: Type.Union([Type.Number(), Type.Null()]),
});
const AuditSchema = Type.Object({
  seq: Type.Integer(), at: Type.Number(), actor: Type.String(), action: Type.String(), target: Type.String(),
  detail: Type.Unknown(), ip: Type.Union([Type.String(), Type.Null()]),
});

export interface AuthRouteOptions {
  /** Failed logins allowed per user name and per client address within `windowMs`. */
  throttle?: { perUser: number; perIp: number; windowMs: number };
}

/** Another site must not log a browser in (into the attacker's account, or with a stolen link). */
function refuseCrossSite(request: FastifyRequest): void {
  const cross = crossSite(request);
  if (cross) throw new ApiError(403, 'csrf', cross);
}

export const DEFAULT_THROTTLE = { perUser: 5, perIp: 20, windowMs: 15 * 60_000 };
const SESSION_SECONDS = 30 * 24 * 3600;

/** Login, logout, the first admin from the one-time link, users, API tokens and the audit log. */
export const authRoutes: FastifyPluginAsyncTypebox<AuthRouteOptions> = async (app, options) => {
  const store = app.auth;
  const limits = options.throttle ?? DEFAULT_THROTTLE;
  const byUser = new LoginThrottle(limits.perUser, limits.windowMs);
  const byIp = new LoginThrottle(limits.perIp, limits.windowMs);

  app.post('/api/login', {
    config: { access: 'public' },
    schema: {
      tags: ['access'], summary: 'Log in: sets the session cookie; 429 with Retry-After after repeated failures',
      body: Credentials, response: withErrors({ 200: SessionSchema, 429: ErrorBody }),
    },
  }, async (request, reply) => {
    refuseCrossSite(request);
    const { name, password } = request.body;
    const wait = Math.max(byUser.blockedFor(name), byIp.blockedFor(request.ip));
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new ApiError(429, 'too-many-attempts', `too many failed logins for "${name}" or from ${request.ip}; try again in ${Math.ceil(wait / 1000)} s`);
    }
    const user = await store.checkPassword(name, password);
    if (!user) {
      byUser.fail(name);
      byIp.fail(request.ip);
      store.audit({ actor: name, action: 'login.failed', target: name, ip: request.ip });
      throw new ApiError(401, 'bad-credentials', 'unknown user or wrong password');
    }
    byUser.reset(name);
    const session = store.createSession(user.name);
    store.audit({ actor: user.name, action: 'login', target: user.name, ip: request.ip });
    reply.header('set-cookie', sessionCookie(request, session.id, SESSION_SECONDS));
    return { name: user.name, role: user.role, kind: 'session' as const, scopes: [], csrfToken: session.csrf };
  });

  app.post('/api/logout', {
    config: { access: 'public' },
    schema: { tags: ['access'], summary: 'End the session of the cookie, if any, and clear the cookie', response: withErrors({ 204: Type.Null() }) },
  }, async (request, reply) => {
    const id = cookie(request.headers.cookie, SESSION_COOKIE);
    if (id !== undefined) store.endSession(id);
    return reply.header('set-cookie', sessionCookie(request, '', 0)).code(204).send(null);
  });

  app.get('/api/session', {
    config: { access: 'public' },
    schema: {
      tags: ['access'], summary: 'Who the cookie or bearer token belongs to, with the CSRF token of a session; null when nobody (or an ended session)',
      response: withErrors({ 200: Type.Union([SessionSchema, Type.Null()]) }),
    },
  }, async (request) => {
    // 200 null rather than 401: the editor asks this on every load, and a logged-out page is not an error.
    const who = app.identify(request);
    if (who === null || 'refused' in who) return null;
    return who.kind === 'session'
      ? { name: who.name, role: who.role, kind: who.kind, scopes: [], csrfToken: who.csrf }
      : { name: who.name, role: who.role, kind: who.kind, scopes: who.scopes, csrfToken: null };
  });

  app.post('/api/session/password', {
    config: { access: 'viewer' },
    schema: {
      tags: ['access'], summary: 'Change your own password (session users); every session of yours ends and a new one starts',
      body: Type.Object({ current: Credentials.properties.password, password: Credentials.properties.password }, { additionalProperties: false }),
      response: withErrors({ 200: SessionSchema, 429: ErrorBody }),
    },
  }, async (request, reply) => {
    const who = request.principal!;
    if (who.kind !== 'session') throw new ApiError(400, 'bad-request', 'API tokens have no password; an admin changes users with PATCH /api/users/:name');
    const wait = byUser.blockedFor(who.name);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      throw new ApiError(429, 'too-many-attempts', `too many wrong passwords for "${who.name}"; try again in ${Math.ceil(wait / 1000)} s`);
    }
    if (!(await store.checkPassword(who.name, request.body.current))) {
      byUser.fail(who.name);
      throw new ApiError(403, 'bad-credentials', 'the current password is wrong');
    }
    await store.setPassword(who.name, request.body.password);
    request.audit('user.password', who.name);
    const session = store.createSession(who.name);
    reply.header('set-cookie', sessionCookie(request, session.id, SESSION_SECONDS));
    return { name: who.name, role: who.role, kind: 'session' as const, scopes: [], csrfToken: session.csrf };
  });

  app.post('/api/setup', {
    config: { access: 'public' },
    schema: {
      tags: ['access'], summary: 'With the one-time link printed by the first start: create the first admin and log in',
      body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), name: Credentials.properties.name, password: Credentials.properties.password }, { additionalProperties: false }),
      response: withErrors({ 201: SessionSchema, 409: ErrorBody }),
    },
  }, async (request, reply) => {
    refuseCrossSite(request);
    if (store.hasUsers()) throw new ApiError(409, 'setup-done', 'users exist already: log in, or ask an admin for an account');
    if (!store.consumeLoginLink(request.body.token)) throw new ApiError(401, 'bad-link', 'this login link is unknown, used or expired; restart the server for a new one');
    const user = await store.addUser(request.body.name, 'admin', request.body.password);
    store.audit({ actor: 'login-link', action: 'user.add', target: user.name, detail: { role: 'admin' }, ip: request.ip });
    const session = store.createSession(user.name);
    reply.header('set-cookie', sessionCookie(request, session.id, SESSION_SECONDS));
    return reply.code(201).send({ name: user.name, role: user.role, kind: 'session' as const, scopes: [], csrfToken: session.csrf });
  });

  const UserParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });

  app.get('/api/users', {
    config: { access: 'admin' },
    schema: { tags: ['access'], summary: 'Users and their roles', response: withErrors({ 200: Type.Array(UserSchema) }) },
  }, async () => store.users());

  app.post('/api/users', {
    config: { access: 'admin' },
    schema: {
      tags: ['access'], summary: 'Add a user',
      body: Type.Object({ name: Credentials.properties.name, role: RoleSchema, password: Credentials.properties.password }, { additionalProperties: false }),
      response: withErrors({ 201: UserSchema, 409: ErrorBody }),
    },
  }, async (request, reply) => {
    const user = await store.addUser(request.body.name, request.body.role, request.body.password);
    request.audit('user.add', user.name, { role: user.role });
    return reply.code(201).send(user);
  });

  app.patch('/api/users/:name', {
    config: { access: 'admin' },
    schema: {
      tags: ['access'], summary: 'Change a user\'s role and/or password (a new password ends the user\'s sessions)',
      params: UserParams,
      body: Type.Object({ role: Type.Optional(RoleSchema), password: Type.Optional(Credentials.properties.password) }, { additionalProperties: false }),
      response: withErrors({ 200: UserSchema, 409: ErrorBody }),
    },
  }, async (request) => {
    const { name } = request.params;
    if (request.body.role !== undefined) {
      store.setRole(name, request.body.role);
      request.audit('user.role', name, { role: request.body.role });
    }
    if (request.body.password !== undefined) {
      await store.setPassword(name, request.body.password);
      request.audit('user.password', name);
    }
    const user = store.user(name);
    if (!user) throw new ApiError(404, 'not-found', `no user "${name}"`);
    return user;
  });

  app.delete('/api/users/:name', {
    config: { access: 'admin' },
    schema: { tags: ['access'], summary: 'Remove a user and end their sessions (not the last admin)', params: UserParams, response: withErrors({ 204: Type.Null(), 409: ErrorBody }) },
  }, async (request, reply) => {
    store.removeUser(request.params.name);
    request.audit('user.remove', request.params.name);
    return reply.code(204).send(null);
  });

  app.get('/api/tokens', {
    config: { access: 'admin' },
    schema: { tags: ['access'], summary: 'API tokens that are not revoked (never their secret)', response: withErrors({ 200: Type.Array(TokenSchema) }) },
  }, async () => store.tokens());

  app.post('/api/tokens', {
    config: { access: 'admin' },
    schema: {
      tags: ['access'], summary: 'Create an API token; the answer holds the token, shown this once',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        scopes: Type.Array(Type.String({ minLength: 1, maxLength: 140 }), { minItems: 1, maxItems: 100, description: 'viewer | editor | admin, or external read scopes flow:<id>, alerts, alerts:<flowId>.' }),
        expiresInDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 3650 })),
        ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Default 60 for external tokens, unlimited for role tokens.' })),
      }, { additionalProperties: false }),
      response: withErrors({ 201: Type.Composite([TokenSchema, Type.Object({ token: Type.String() })]) }),
    },
  }, async (request, reply) => {
    const parsed = parseScopes(request.body.scopes);
    if ('error' in parsed) throw new ApiError(400, 'bad-request', parsed.error);
    const { token, info } = store.createToken({
      name: request.body.name, scopes: parsed.scopes, createdBy: request.principal!.name,
      expiresAt: request.body.expiresInDays === undefined ? null : Date.now() + request.body.expiresInDays * 86_400_000,
      ratePerMinute: request.body.ratePerMinute ?? null,
    });
    request.audit('token.create', info.id, { name: info.name, scopes: info.scopes, expiresAt: info.expiresAt });
    return reply.code(201).send({ ...info, token });
  });

  app.delete('/api/tokens/:id', {
    config: { access: 'admin' },
    schema: { tags: ['access'], summary: 'Revoke an API token', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: withErrors({ 204: Type.Null() }) },
  }, async (request, reply) => {
    const info = store.revokeToken(request.params.id);
    request.audit('token.revoke', info.id, { name: info.name });
    return reply.code(204).send(null);
  });

  app.get('/api/audit', {
    config: { access: 'admin' },
    schema: {
      tags: ['access'], summary: 'The audit log, newest first: deploys, secret changes, alert steps, users, tokens, logins',
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
        before: Type.Optional(Type.Integer({ minimum: 1, description: 'Entries with a smaller seq (paging back).' })),
        action: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Array(AuditSchema) }),
    },
  }, async (request) => store.auditLog({ limit: request.query.limit ?? 100, before: request.query.before, action: request.query.action }));
};

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Principal } from '../../auth/auth-store.js';
import { roleAtLeast } from '../../auth/roles.js';
import { PAGE_NAME_PATTERN } from '../../core/page-name.js';
import type { WidgetInfo } from '../../runtime/api.js';
import { notFound } from '../errors.js';
import { FlowId, NodeStatusSchema, withErrors } from '../schemas.js';
import { dashboardPage } from '../dashboard-page.js';
import '../decorators.js';

export const PageName = Type.String({ pattern: PAGE_NAME_PATTERN, description: 'A dashboard page: lower-case letters, digits and dashes.' });
const PageParams = Type.Object({ page: PageName });

const WidgetSchema = Type.Object({
  flowId: Type.String(),
  nodeId: Type.String(),
  page: Type.String(),
  group: Type.String(),
  order: Type.Integer(),
  width: Type.Integer(),
  title: Type.String(),
  view: Type.String({ description: 'How the page draws it: chart, stat, table or alerts.' }),
  options: Type.Unknown({ description: 'What the view needs (a chart\'s look: unit, limits, y range…).' }),
  status: NodeStatusSchema,
});

const PageSchema = Type.Object({
  page: Type.String(),
  flows: Type.Array(Type.Object({ id: Type.String(), name: Type.String() })),
  groups: Type.Array(Type.Object({ name: Type.String(), widgets: Type.Array(WidgetSchema) })),
  viewer: Type.Object({
    name: Type.String(),
    shared: Type.Boolean({ description: 'Seen through a shared link (a dashboard:<page> token).' }),
    canAct: Type.Boolean({ description: 'May acknowledge and resolve alerts, and share the page (editors and admins).' }),
  }),
});

const ShareSchema = Type.Object({
  id: Type.String(), name: Type.String(), createdBy: Type.String(), createdAt: Type.Number(),
  expiresAt: Type.Union([Type.Number(), Type.Null()]), lastUsedAt: Type.Union([Type.Number(), Type.Null()]),
  ratePerMinute: Type.Union([Type.Integer(), Type.Null()]),
});

/** Shared links are read by people, not scripts: a page load is a dozen requests, a zoom one per chart. */
const SHARE_RATE_PER_MINUTE = 600;

/** Dashboard pages: their widgets, the widgets' data, and read-only links to share them. */
export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;
  const store = app.auth;

  app.get('/api/dashboards', {
    config: { access: 'viewer' },
    schema: {
      tags: ['dashboards'], summary: 'The dashboard pages of the running flows, by name',
      response: withErrors({ 200: Type.Array(Type.Object({ page: Type.String(), widgets: Type.Integer(), flows: Type.Array(Type.String()) })) }),
    },
  }, async () => {
    const pages = new Map<string, { widgets: number; flows: Set<string> }>();
    for (const w of runtime.widgets()) {
      const p = pages.get(w.page) ?? { widgets: 0, flows: new Set<string>() };
      p.widgets++;
      p.flows.add(w.flowId);
      pages.set(w.page, p);
    }
    return [...pages].sort(([a], [b]) => a.localeCompare(b)).map(([page, p]) => ({ page, widgets: p.widgets, flows: [...p.flows].sort() }));
  });

  app.get('/api/dashboards/:page', {
    config: { access: { scope: 'dashboard' } },
    schema: {
      tags: ['dashboards'], summary: 'One page: its widgets by group, in order, with what each view needs',
      params: PageParams, response: withErrors({ 200: PageSchema }),
    },
  }, async (request) => {
    const { page } = request.params;
    const widgets = runtime.widgets().filter((w) => w.page === page);
    if (widgets.length === 0) throw notFound(`no dashboard page "${page}": no running flow has a widget on it`);
    const who = request.principal!;
    const shared = isShare(who);
    // Each opening of a shared link is on record: who (which link), when, from where.
    if (shared) request.audit('dashboard.view', page);
    const flows = [...new Set(widgets.map((w) => w.flowId))].sort().map((id) => ({ id, name: runtime.listFlows().find((f) => f.id === id)?.name ?? id }));
    return { page, flows, groups: dashboardPage(widgets), viewer: { name: who.name, shared, canAct: roleAtLeast(who.role, 'editor') } };
  });

  app.get('/api/dashboards/:page/widgets/:flowId/:nodeId/query/:name', {
    config: { access: { scope: 'dashboard' } },
    schema: {
      tags: ['dashboards'], summary: "A widget's data: runs its node's read-only query (range, series, histogram, state, rows, alerts)",
      params: Type.Object({ page: PageName, flowId: FlowId, nodeId: Type.String({ minLength: 1, maxLength: 128 }), name: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Record(Type.String(), Type.String()),
      response: withErrors({ 200: Type.Object({ result: Type.Unknown() }) }),
    },
  }, async (request) => {
    const { page, flowId, nodeId, name } = request.params;
    onPage(runtime.widget(flowId, nodeId), page, flowId, nodeId);
    return { result: runtime.queryNode(flowId, nodeId, name, request.query) ?? null };
  });

  const shares = (page: string) => store.tokens().filter((t) => t.scopes.length === 1 && t.scopes[0] === `dashboard:${page}`);

  app.get('/api/dashboards/:page/shares', {
    config: { access: 'editor' },
    schema: { tags: ['dashboards'], summary: 'The shared links of a page that are not revoked (never their secret)', params: PageParams, response: withErrors({ 200: Type.Array(ShareSchema) }) },
  }, async (request) => shares(request.params.page).map(({ scopes: _scopes, ...share }) => share));

  app.post('/api/dashboards/:page/shares', {
    config: { access: 'editor' },
    schema: {
      tags: ['dashboards'], summary: 'Share a page read-only: a link for people without an account, which expires and can be revoked; shown this once',
      params: PageParams,
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100, description: 'Who the link is for, e.g. "site neighbours".' }),
        expiresInDays: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 365, description: 'Default 30.' })),
        ratePerMinute: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: `Requests per minute (default ${SHARE_RATE_PER_MINUTE}).` })),
      }, { additionalProperties: false }),
      response: withErrors({ 201: Type.Composite([ShareSchema, Type.Object({ token: Type.String(), path: Type.String({ description: 'The link, to put after the server\'s address.' }) })]) }),
    },
  }, async (request, reply) => {
    const { page } = request.params;
    const { token, info } = store.createToken({
      name: request.body.name, scopes: [`dashboard:${page}`], createdBy: request.principal!.name,
      expiresAt: Date.now() + (request.body.expiresInDays ?? 30) * 86_400_000, ratePerMinute: request.body.ratePerMinute ?? SHARE_RATE_PER_MINUTE,
    });
    request.audit('dashboard.share', page, { token: info.id, name: info.name, expiresAt: info.expiresAt });
    const { scopes: _scopes, ...share } = info;
    // The token rides in the fragment: browsers never send it to a server, nor in a Referer.
    return reply.code(201).send({ ...share, token, path: `/dashboards/${page}#share=${token}` });
  });

  app.delete('/api/dashboards/:page/shares/:shareId', {
    config: { access: 'editor' },
    schema: {
      tags: ['dashboards'], summary: 'Revoke a shared link: it stops working at once',
      params: Type.Object({ page: PageName, shareId: Type.String({ minLength: 1, maxLength: 64 }) }), response: withErrors({ 204: Type.Null() }),
    },
  }, async (request, reply) => {
    const { page, shareId } = request.params;
    if (!shares(page).some((s) => s.id === shareId)) throw notFound(`no shared link ${shareId} of page "${page}"`);
    store.revokeToken(shareId);
    request.audit('dashboard.unshare', page, { token: shareId });
    return reply.code(204).send(null);
  });
};

/** A widget must be on the page the caller may see: a shared link reaches no other node. */
export function onPage(widget: WidgetInfo | undefined, page: string, flowId: string, nodeId: string): WidgetInfo {
  if (!widget || widget.page !== page) throw notFound(`no widget "${flowId}/${nodeId}" on dashboard page "${page}"`);
  return widget;
}

function isShare(who: Principal): boolean {
  return who.kind === 'token' && who.scopes.some((s) => s.startsWith('dashboard:'));
}

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { alertFlows } from '../../auth/access-plugin.js';
import { NotFoundError } from '../../runtime/errors.js';
import { ErrorBody, withErrors } from '../schemas.js';
import '../decorators.js';

const AlertStateSchema = Type.Union([Type.Literal('firing'), Type.Literal('acknowledged'), Type.Literal('resolved')]);
const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

const AlertSchema = Type.Object({
  id: Type.String({ description: '`<flow>/<node>/<rule>/<sensor>/<firedAt>`; URL-encode it in paths.' }),
  flowId: Type.String(),
  nodeId: Type.String(),
  ruleId: Type.String(),
  sensor: Type.String(),
  severity: Type.String(),
  message: Type.String(),
  state: AlertStateSchema,
  firedAt: Type.Number({ description: 'Event time of the reading (or journaled tick) that fired it, epoch ms.' }),
  value: Nullable(Type.Number()),
  acknowledgedAt: Nullable(Type.Number()),
  acknowledgedBy: Nullable(Type.String()),
  acknowledgeNote: Nullable(Type.String()),
  resolvedAt: Nullable(Type.Number()),
  resolution: Type.Union([Type.Literal('auto'), Type.Literal('manual'), Type.Null()]),
  resolvedBy: Nullable(Type.String()),
  resolveNote: Nullable(Type.String()),
  resolvedValue: Nullable(Type.Number()),
});

const TransitionSchema = Type.Object({
  id: Type.String({ description: '`<alert id>/<kind>`: each step is recorded once, replays included.' }),
  alertId: Type.String(),
  kind: Type.Union([Type.Literal('fired'), Type.Literal('acknowledged'), Type.Literal('resolved')]),
  at: Type.Number(),
  by: Nullable(Type.String({ description: 'Who acted; null for the alert node\'s own decisions.' })),
  note: Nullable(Type.String()),
  value: Nullable(Type.Number()),
});

const AlertDetailSchema = Type.Composite([AlertSchema, Type.Object({ history: Type.Array(TransitionSchema) })]);

const AlertParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1024 }) });

const ActionBody = Type.Object({
  by: Type.String({ minLength: 1, maxLength: 200, description: 'Who acts (a name or login).' }),
  note: Type.Optional(Type.String({ maxLength: 4000 })),
}, { additionalProperties: false });

const Epoch = Type.Integer({ minimum: 0, description: 'Epoch milliseconds.' });

/** The alert history of every flow, and the hand steps of an alert's life cycle. */
export const alertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const runtime = app.runtime;

  app.get('/api/alerts', {
    config: { access: { scope: 'alerts' } },
    schema: {
      tags: ['alerts'], summary: 'Alerts, newest first; from/to bound the firing time (from ≤ firedAt < to)',
      querystring: Type.Object({
        state: Type.Optional(AlertStateSchema),
        sensor: Type.Optional(Type.String({ minLength: 1 })),
        flow: Type.Optional(Type.String({ minLength: 1 })),
        from: Type.Optional(Epoch),
        to: Type.Optional(Epoch),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 100 })),
      }, { additionalProperties: false }),
      response: withErrors({ 200: Type.Array(AlertSchema) }),
    },
  }, async (request) => {
    const { limit, ...filters } = request.query;
    const readable = alertFlows(request.principal);
    if (readable === null) return runtime.listAlerts({ ...filters, limit: limit ?? 100 });
    // An external token limited to some flows' alerts sees those flows only, whatever it asks for.
    const flows = filters.flow === undefined ? [...readable] : [filters.flow].filter((f) => readable.has(f));
    return flows.flatMap((flow) => runtime.listAlerts({ ...filters, flow, limit: limit ?? 100 }))
      .sort((a, b) => b.firedAt - a.firedAt).slice(0, limit ?? 100);
  });

  app.get('/api/alerts/:id', {
    config: { access: { scope: 'alerts' } },
    schema: {
      tags: ['alerts'], summary: 'One alert with its history of transitions',
      params: AlertParams, response: withErrors({ 200: AlertDetailSchema }),
    },
  }, async (request) => {
    const alert = runtime.getAlert(request.params.id);
    const readable = alertFlows(request.principal);
    if (!alert || (readable !== null && !readable.has(alert.flowId))) throw new NotFoundError(`alert "${request.params.id}"`);
    return alert;
  });

  app.post('/api/alerts/:id/acknowledge', {
    config: { access: 'editor' },
    schema: {
      tags: ['alerts'], summary: 'Acknowledge a firing alert; 409 when it is already acknowledged or resolved',
      params: AlertParams, body: ActionBody, response: withErrors({ 200: AlertDetailSchema, 409: ErrorBody }),
    },
  }, async (request) => {
    const alert = runtime.acknowledgeAlert(request.params.id, request.body.by, request.body.note ?? null);
    request.audit('alert.acknowledge', request.params.id, { by: request.body.by, note: request.body.note ?? null });
    return alert;
  });

  app.post('/api/alerts/:id/resolve', {
    config: { access: 'editor' },
    schema: {
      tags: ['alerts'], summary: 'Resolve an alert by hand; it does not fire again until its condition has cleared and returned',
      params: AlertParams, body: ActionBody, response: withErrors({ 200: AlertDetailSchema, 409: ErrorBody }),
    },
  }, async (request) => {
    const alert = runtime.resolveAlert(request.params.id, request.body.by, request.body.note ?? null);
    request.audit('alert.resolve', request.params.id, { by: request.body.by, note: request.body.note ?? null });
    return alert;
  });
};

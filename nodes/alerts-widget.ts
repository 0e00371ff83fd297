import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import type { AlertState } from '../server/core/services.js';
import type { AlertsAnswer } from './dashboard/answers.js';
import type { DataRecord, Outputs } from '../server/core/types.js';
import { LiveInterval, LiveThrottle } from './dashboard/live.js';
import { placement, PLACEMENT_DOCS, WIDGET_REFUSES_REFERENCES, DashboardPlacementSchema, WidgetTitle } from './dashboard/placement.js';
import { refused } from './dashboard/reading.js';

const STATES = ['firing', 'acknowledged', 'resolved'] as const;

const config = Type.Object({
  dashboard: DashboardPlacementSchema,
  title: WidgetTitle,
  states: Type.Array(Type.Union(STATES.map((s) => Type.Literal(s))), {
    default: ['firing', 'acknowledged'], minItems: 1, uniqueItems: true, title: 'States shown',
    description: 'Which alerts the list shows: firing, acknowledged, resolved (the most recent).',
  }),
  nodes: Type.Array(Type.String({ minLength: 1 }), {
    default: [], uniqueItems: true, title: 'Alert nodes', description: 'Ids of the alert nodes of this flow whose alerts are shown; empty: every one.',
  }),
  limit: Type.Integer({ default: 50, minimum: 1, maximum: 500, title: 'Alerts shown', description: 'Newest first.' }),
  liveIntervalMs: Type.Integer(LiveInterval(1000)),
}, { additionalProperties: false });

export default defineNode({
  type: 'alerts',
  category: 'sink',
  label: 'alerts list',
  inputs: { in: 'alert changes, from the `out` of alert nodes' },
  outputs: { invalid: 'records that are not alert changes: { record, reason, node }' },
  config,
  refusesReferences: WIDGET_REFUSES_REFERENCES,
  docs: `A dashboard list of this flow's alerts, newest first, with their severity, message, sensor and times.
People allowed to (editors and admins) acknowledge and resolve them on the page, with a note; viewers and
shared links see the list only.

The alerts come from the server's alert store (\`/api/alerts\`), so the list is complete after a reload or a
restart. Wire the \`out\` of the alert nodes into this node: each change (fired, acknowledged, resolved,
by hand or automatically) then reaches open pages live. \`nodes\` narrows the list to some alert nodes.

Query \`alerts\` answers \`{ alerts: [...] }\` in the shape of \`GET /api/alerts\`.

${PLACEMENT_DOCS}`,

  widget: (cfg) => placement(cfg, 'alerts', { states: cfg.states, limit: cfg.limit }),

  create(cfg, ctx) {
    const nodes = new Set(cfg.nodes);
    const throttle = new LiveThrottle(ctx, cfg.liveIntervalMs, () => list());

    function list(): AlertsAnswer {
      const alerts = cfg.states.flatMap((state: AlertState) => ctx.services.alerts.list({ flow: ctx.flowId, state, limit: nodes.size ? 10_000 : cfg.limit }))
        .filter((a) => nodes.size === 0 || nodes.has(a.nodeId))
        .sort((a, b) => b.firedAt - a.firedAt || (a.id < b.id ? -1 : 1))
        .slice(0, cfg.limit);
      return { alerts };
    }

    return {
      process(batch): Outputs | void {
        const invalid: DataRecord[] = [];
        for (const r of batch) {
          if (typeof r.alertId !== 'string') invalid.push(refused(r, 'alertId: missing; wire the out port of an alert node here', ctx.nodeId));
        }
        if (invalid.length < batch.length) throttle.changed();
        return invalid.length ? { invalid } : undefined;
      },
      stop() {
        throttle.stop();
      },
      queries: { alerts: () => list() },
    };
  },
});

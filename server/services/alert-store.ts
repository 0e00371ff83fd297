import type { Database as Db, Statement } from 'better-sqlite3';
import type {
  Alert, AlertDecision, AlertService, AlertState, AlertTransition, AlertTransitionKind,
} from '../core/services.js';
import type { AlertDetail, AlertQuery } from '../runtime/api-types.js';
import { ConflictError, NotFoundError } from '../runtime/errors.js';

export type { AlertDetail, AlertQuery };

interface AlertRow {
  id: string; flow_id: string; node_id: string; rule_id: string; sensor: string; severity: string; message: string;
  state: AlertState; fired_at: number; value: number | null;
  acknowledged_at: number | null; acknowledged_by: string | null; acknowledge_note: string | null;
  resolved_at: number | null; resolution: 'auto' | 'manual' | null; resolved_by: string | null;
  resolve_note: string | null; resolved_value: number | null;
}

interface TransitionRow { id: string; alert_id: string; kind: AlertTransitionKind; at: number; by: string | null; note: string | null; value: number | null }

/** Each migration runs once, in order; `user_version`-style bookkeeping in a table of our own. */
const MIGRATIONS = [
  `CREATE TABLE alerts (id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, node_id TEXT NOT NULL, rule_id TEXT NOT NULL,
     sensor TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL, state TEXT NOT NULL, fired_at INTEGER NOT NULL,
     value REAL, acknowledged_at INTEGER, acknowledged_by TEXT, acknowledge_note TEXT, resolved_at INTEGER,
     resolution TEXT, resolved_by TEXT, resolve_note TEXT, resolved_value REAL);
   CREATE INDEX alerts_fired ON alerts (fired_at DESC, id DESC);
   CREATE INDEX alerts_flow_node ON alerts (flow_id, node_id, state);
   CREATE TABLE alert_transitions (id TEXT PRIMARY KEY, alert_id TEXT NOT NULL, kind TEXT NOT NULL, at INTEGER NOT NULL,
     by TEXT, note TEXT, value REAL);
   CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id);`,
];

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id, flowId: r.flow_id, nodeId: r.node_id, ruleId: r.rule_id, sensor: r.sensor, severity: r.severity,
    message: r.message, state: r.state, firedAt: r.fired_at, value: r.value,
    acknowledgedAt: r.acknowledged_at, acknowledgedBy: r.acknowledged_by, acknowledgeNote: r.acknowledge_note,
    resolvedAt: r.resolved_at, resolution: r.resolution, resolvedBy: r.resolved_by, resolveNote: r.resolve_note,
    resolvedValue: r.resolved_value,
  };
}

function toTransition(r: TransitionRow): AlertTransition {
  return { id: r.id, alertId: r.alert_id, kind: r.kind, at: r.at, by: r.by, note: r.note, value: r.value };
}

/**
 * Alerts and their transitions in the server's `sluice.db`. Every write is keyed by a deterministic id
 * and inserted with `ON CONFLICT DO NOTHING`, so a flow replaying its journal after a crash records
 * nothing twice; hand actions through the API are the only writes that are not replays of a decision.
 */
export class AlertStore implements AlertService {
  private readonly watchers = new Map<string, Set<(alert: Alert) => void>>();
  private readonly stmt: {
    get: Statement; insertAlert: Statement; insertTransition: Statement; autoResolve: Statement;
    acknowledge: Statement; resolve: Statement; history: Statement;
  };

  private constructor(private readonly db: Db, private readonly now: () => number) {
    this.stmt = {
      get: db.prepare(`SELECT * FROM alerts WHERE id = ?`),
      insertAlert: db.prepare(`INSERT INTO alerts (id, flow_id, node_id, rule_id, sensor, severity, message, state, fired_at, value)
        VALUES (@alertId, @flowId, @nodeId, @ruleId, @sensor, @severity, @message, 'firing', @firedAt, @value)
        ON CONFLICT (id) DO NOTHING`),
      insertTransition: db.prepare(`INSERT INTO alert_transitions (id, alert_id, kind, at, by, note, value)
        VALUES (@id, @alertId, @kind, @at, @by, @note, @value) ON CONFLICT (id) DO NOTHING`),
      autoResolve: db.prepare(`UPDATE alerts SET state = 'resolved', resolved_at = @at, resolution = 'auto', resolved_value = @value
        WHERE id = @alertId AND state <> 'resolved'`),
      acknowledge: db.prepare(`UPDATE alerts SET state = 'acknowledged', acknowledged_at = @at, acknowledged_by = @by,
        acknowledge_note = @note WHERE id = @alertId`),
      resolve: db.prepare(`UPDATE alerts SET state = 'resolved', resolved_at = @at, resolution = 'manual', resolved_by = @by,
        resolve_note = @note WHERE id = @alertId`),
      // In the order recorded: `at` mixes event time (the node's decisions) and wall-clock time (hand actions).
      history: db.prepare(`SELECT * FROM alert_transitions WHERE alert_id = ? ORDER BY rowid`),
    };
  }

  /** Creates or upgrades the alert tables in `db` (the server's sluice.db). */
  static open(db: Db, options: { now?: () => number } = {}): AlertStore {
    db.exec(`CREATE TABLE IF NOT EXISTS alert_migrations (version INTEGER PRIMARY KEY)`);
    const done = (db.prepare(`SELECT max(version) AS v FROM alert_migrations`).get() as { v: number | null }).v ?? 0;
    db.transaction(() => {
      for (let v = done + 1; v <= MIGRATIONS.length; v++) {
        db.exec(MIGRATIONS[v - 1]!);
        db.prepare(`INSERT INTO alert_migrations (version) VALUES (?)`).run(v);
      }
    })();
    return new AlertStore(db, options.now ?? Date.now);
  }

  record(d: AlertDecision): Alert {
    return this.db.transaction((): Alert => {
      this.stmt.insertAlert.run(d);
      if (d.kind === 'resolved') this.stmt.autoResolve.run(d);
      // An automatic resolve of an alert resolved by hand keeps the hand's transition: one resolve per alert.
      this.stmt.insertTransition.run({ id: `${d.alertId}/${d.kind}`, alertId: d.alertId, kind: d.kind, at: d.at, by: null, note: null, value: d.value });
      return this.get(d.alertId)!;
    })();
  }

  get(alertId: string): Alert | undefined {
    const row = this.stmt.get.get(alertId) as AlertRow | undefined;
    return row && toAlert(row);
  }

  detail(alertId: string): AlertDetail | undefined {
    const alert = this.get(alertId);
    if (!alert) return undefined;
    const history = (this.stmt.history.all(alertId) as TransitionRow[]).map(toTransition);
    return { ...alert, history };
  }

  /** Newest first by firing time. */
  list(q: AlertQuery): Alert[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(sql);
      args.push(value);
    };
    add('state = ?', q.state);
    add('sensor = ?', q.sensor);
    add('flow_id = ?', q.flow);
    add('fired_at >= ?', q.from);
    add('fired_at < ?', q.to);
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY fired_at DESC, id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, q.limit) as AlertRow[]).map(toAlert);
  }

  during(q: { flow: string; from: number; to: number }): AlertDetail[] {
    const rows = this.db.prepare(`SELECT * FROM alerts WHERE flow_id = ? AND fired_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
      ORDER BY fired_at, id`).all(q.flow, q.to, q.from) as AlertRow[];
    return rows.map((r) => ({ ...toAlert(r), history: (this.stmt.history.all(r.id) as TransitionRow[]).map(toTransition) }));
  }

  acknowledge(alertId: string, by: string, note: string | null): AlertDetail {
    return this.act(alertId, 'acknowledged', by, note, (alert) => {
      if (alert.state === 'resolved') return `it was resolved at ${new Date(alert.resolvedAt!).toISOString()}; only a firing alert can be acknowledged`;
      if (alert.state === 'acknowledged') return `it was already acknowledged by ${alert.acknowledgedBy} at ${new Date(alert.acknowledgedAt!).toISOString()}`;
      return undefined;
    }, this.stmt.acknowledge);
  }

  resolve(alertId: string, by: string, note: string | null): AlertDetail {
    return this.act(alertId, 'resolved', by, note, (alert) => alert.state === 'resolved'
      ? `it was already resolved (${alert.resolution === 'manual' ? `by ${alert.resolvedBy}` : 'automatically'}) at ${new Date(alert.resolvedAt!).toISOString()}`
      : undefined, this.stmt.resolve);
  }

  watch(flowId: string, nodeId: string, listener: (alert: Alert) => void): () => void {
    const key = `${flowId}\u0000${nodeId}`;
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.watchers.get(key) === set) this.watchers.delete(key);
    };
  }

  /** A hand action: checked against the current state, written with its transition, then told to the node. */
  private act(
    alertId: string, kind: AlertTransitionKind, by: string, note: string | null,
    refusal: (alert: Alert) => string | undefined, update: Statement,
  ): AlertDetail {
    const alert = this.db.transaction((): Alert => {
      const current = this.get(alertId);
      if (!current) throw new NotFoundError(`alert "${alertId}"`);
      const why = refusal(current);
      if (why !== undefined) throw new ConflictError(`alert "${alertId}" cannot be ${kind}: ${why}`);
      const at = this.now();
      update.run({ alertId, at, by, note });
      this.stmt.insertTransition.run({ id: `${alertId}/${kind}`, alertId, kind, at, by, note, value: null });
      return this.get(alertId)!;
    })();
    for (const listener of this.watchers.get(`${alert.flowId}\u0000${alert.nodeId}`) ?? []) listener(alert);
    return this.detail(alertId)!;
  }
}

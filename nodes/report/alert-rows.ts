import type { Alert, AlertTransition } from '../../server/core/services.js';

/** One alert as the report documents it: its life cycle as recorded up to the report's time. */
export interface AlertRow {
  id: string;
  nodeId: string;
  ruleId: string;
  sensor: string;
  severity: string;
  message: string;
  firedAt: number;
  value: number | null;
  /** Fired before the period and still open at its start. */
  carriedOver: boolean;
  acknowledged: { at: number; by: string | null; note: string | null } | null;
  /** `by` null: resolved by itself once the condition cleared (with the value then). */
  resolved: { at: number; by: string | null; note: string | null; value: number | null } | null;
  /** From firing to resolution, or to the report's time while still open. */
  durationMs: number;
}

export interface AlertSummary {
  /** Fired within the period. */
  fired: number;
  carriedOver: number;
  acknowledged: number;
  resolved: number;
  open: number;
  bySeverity: { [severity: string]: number };
  /** Mean time from firing to acknowledgement, of the acknowledged ones. */
  meanToAcknowledgeMs: number | null;
}

/**
 * The period's alerts as of `asOf`: transitions recorded after it are left out, so a report run again for
 * the same time (a replay after a crash) documents the same life cycles, whatever was done since.
 */
export function alertRows(alerts: (Alert & { history: AlertTransition[] })[], from: number, asOf: number, nodes: readonly string[]): AlertRow[] {
  const wanted = nodes.length ? new Set(nodes) : undefined;
  const rows: AlertRow[] = [];
  for (const a of alerts) {
    if (wanted && !wanted.has(a.nodeId)) continue;
    if (a.firedAt > asOf) continue;
    const step = (kind: AlertTransition['kind']) => a.history.find((t) => t.kind === kind && t.at <= asOf);
    const ack = step('acknowledged');
    const res = step('resolved');
    if (res && res.at < from) continue;
    rows.push({
      id: a.id, nodeId: a.nodeId, ruleId: a.ruleId, sensor: a.sensor, severity: a.severity, message: a.message, firedAt: a.firedAt,
      value: a.value, carriedOver: a.firedAt < from,
      acknowledged: ack ? { at: ack.at, by: ack.by, note: ack.note } : null,
      resolved: res ? { at: res.at, by: res.by, note: res.by === null ? null : res.note, value: res.value } : null,
      durationMs: (res ? res.at : asOf) - a.firedAt,
    });
  }
  return rows.sort((x, y) => x.firedAt - y.firedAt || x.id.localeCompare(y.id));
}

export function summarizeAlerts(rows: readonly AlertRow[]): AlertSummary {
  const bySeverity: { [severity: string]: number } = {};
  let toAck = 0;
  let acked = 0;
  for (const r of rows) {
    bySeverity[r.severity] = (bySeverity[r.severity] ?? 0) + 1;
    if (r.acknowledged) {
      acked++;
      toAck += r.acknowledged.at - r.firedAt;
    }
  }
  return {
    fired: rows.filter((r) => !r.carriedOver).length,
    carriedOver: rows.filter((r) => r.carriedOver).length,
    acknowledged: acked,
    resolved: rows.filter((r) => r.resolved).length,
    open: rows.filter((r) => !r.resolved).length,
    bySeverity,
    meanToAcknowledgeMs: acked ? toAck / acked : null,
  };
}

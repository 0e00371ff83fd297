import type { FlowDocument } from '../core/flow-format.js';
import type { Alert, AlertState, AlertTransition } from '../core/services.js';
import type { DataRecord, NodeStatus } from '../core/types.js';
import type { ReportPlacement } from '../core/report.js';
import type { WidgetPlacement } from '../core/widget.js';

export type { Alert, AlertState, AlertTransition, AlertTransitionKind, ReportDelivery, ReportDocument, ReportRequest } from '../core/services.js';

/**
 * The shapes the runtime API answers with: shared by the HTTP layer and the browser editor
 * (which imports them as types), so the two cannot drift.
 */

export interface StoredRevision {
  flowId: string;
  revision: number;
  createdAt: number;
  doc: FlowDocument;
}

export interface RevisionInfo {
  revision: number;
  createdAt: number;
  deployed: boolean;
  draft: boolean;
}

export type FlowState = 'running' | 'stopped' | 'failed' | 'not-deployed';

export interface FlowSummary {
  id: string;
  name: string;
  draftRevision: number;
  deployedRevision: number | null;
  state: FlowState;
}

export interface NodeCounters {
  type: string;
  /** Records received on the input. */
  in: number;
  /** Records emitted per output port. */
  out: { [port: string]: number };
  errors: number;
  retries: number;
  lastError: { message: string; at: number } | null;
  /** Wall-clock time between the journal entry and its processing by this node, for the last batch. */
  lagMs: number;
  status: NodeStatus & { at: number };
}

export interface JournalStats {
  head: number;
  checkpoint: number;
  entries: number;
  bytes: number;
  backlogBytes: number;
  quotaBytes: number;
  oldestTs: number | null;
  /** Why the write-ahead log is copied into the journal by the committing thread, if the checkpoint thread failed. */
  checkpointThreadError: string | null;
}

export interface FlowStatus {
  id: string;
  deployedRevision: number | null;
  state: FlowState;
  error: string | null;
  journal: JournalStats | null;
  deadLetters: number;
  nodes: { [nodeId: string]: NodeCounters };
  /** Cluster mode only. */
  cluster?: FlowClusterStatus;
}

/** A flow in cluster mode, as this server sees it. */
export interface FlowClusterStatus {
  server: string;
  /** Copies of the flow's journal JetStream keeps. */
  replicas: number;
  natsServers: number;
  /** Set when the replicas in force cannot survive the loss of a machine. */
  warning: string | null;
  stages: { stage: number; partitions: number; partitionBy: string[] }[];
  /** The partitions this server runs: how far it processed and the newest entry it knows of. */
  owned: { stage: number; partition: number; processed: number; head: number }[];
}

export type DeadLetterState = 'pending' | 'replayed' | 'discarded';

export interface DeadLetter {
  id: number;
  nodeId: string;
  /** Journal offset of the batch the records belonged to. */
  offset: number;
  error: string;
  attempts: number;
  createdAt: number;
  state: DeadLetterState;
  records: DataRecord[];
}

export interface JournalExport {
  offset: number;
  ts: number;
  kind: 'data' | 'tick' | 'replay';
  node: string;
  port: string;
  records: DataRecord[];
}

export interface DebugMessage {
  flowId: string;
  nodeId: string;
  at: number;
  value: unknown;
}

export interface StatusEvent {
  flowId: string;
  nodeId: string;
  status: NodeStatus & { at: number };
}

/** An alert with every transition of its life cycle, oldest first. */
export interface AlertDetail extends Alert {
  history: AlertTransition[];
}

/** `GET /api/alerts` filters; `from`/`to` bound the firing time (from ≤ firedAt < to). */
export interface AlertQuery {
  state?: AlertState;
  sensor?: string;
  flow?: string;
  from?: number;
  to?: number;
  limit: number;
}

/** A dashboard widget of a running flow: where it shows, and its node's status (a series cap, an error). */
export interface WidgetInfo extends WidgetPlacement {
  flowId: string;
  nodeId: string;
  status: NodeStatus & { at: number };
}

/** What a widget node pushed with `ctx.publish`: the runtime emits it as `widget`. */
export interface WidgetEvent {
  flowId: string;
  nodeId: string;
  at: number;
  data: unknown;
}

/** Cluster mode: the cluster as the answering server sees it (GET /api/cluster). */
export interface ClusterView {
  name: string;
  /** This server's id. */
  server: string;
  connected: boolean;
  natsServers: number;
  lease: { renewMs: number; ttlMs: number };
  servers: { id: string; url: string; lastSeenMs: number; self: boolean }[];
  partitions: {
    flow: string; stage: number; partition: number; owner: string | null; leaseAgeMs: number | null;
    /** Checkpointed journal sequence, newest sequence of the stage's stream, and the entries between. */
    checkpoint: number; head: number; lag: number; replicas: number;
    /** Owned here: source appends found stored twice (a failed JetStream dedupe) and taken once, since this server took it. */
    duplicatesDropped?: number;
  }[];
  singletons: { flow: string; node: string; owner: string | null; leaseAgeMs: number | null }[];
}

/** A report node of a running flow: its schedule, targets, next run and status. */
export interface ReportInfo extends ReportPlacement {
  flowId: string;
  nodeId: string;
  name: string;
  nextRunAt: number | null;
  status: NodeStatus & { at: number };
}

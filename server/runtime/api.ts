import type { EventEmitter } from 'node:events';
import type { FlowDocument } from '../core/flow-format.js';
import type { NodeRegistry } from '../core/registry.js';
import type { DataRecord, NodeStatus } from '../core/types.js';

/**
 * The narrow surface the HTTP layer sees of the runtime (as Node-RED's editor-api sees `runtimeAPI`):
 * routes call these and never reach into journals, executors or SQL.
 */
export interface RuntimeApi {
  readonly registry: NodeRegistry;
  /** Emits `status` (StatusEvent) and `debug` (DebugMessage). */
  readonly events: EventEmitter;

  listFlows(): FlowSummary[];
  /** The current draft, or undefined when the flow does not exist. */
  getDraft(flowId: string): StoredRevision | undefined;
  /** The deployed revision, or undefined. */
  getDeployed(flowId: string): StoredRevision | undefined;
  getRevision(flowId: string, revision: number): StoredRevision | undefined;
  listRevisions(flowId: string): RevisionInfo[];
  /** Stores a new draft revision. Throws FlowInvalidError when the document is not format 1 at all. */
  saveDraft(doc: unknown): StoredRevision;
  /** Stops the flow if it runs and deletes its draft, revisions, journal and dead letters. */
  deleteFlow(flowId: string): Promise<boolean>;
  /**
   * Validates the draft (or `doc`, which then becomes the draft when valid) and swaps it in
   * atomically. Throws FlowInvalidError with every problem; the running flow is untouched then.
   */
  deploy(flowId: string, doc?: unknown): Promise<StoredRevision>;
  /** Checks a document without storing it. */
  validate(doc: unknown): { ok: true } | { ok: false; problems: import('../core/problems.js').Problem[] };

  status(flowId: string): FlowStatus | undefined;
  nodeState(flowId: string, nodeId: string): unknown;
  deadLetters(flowId: string, query: { state?: DeadLetterState; limit?: number; afterId?: number }): DeadLetter[];
  /** Journals a replay of the dead letter into the node that failed; the dead letter becomes `replayed`. */
  replayDeadLetter(flowId: string, deadLetterId: number): Promise<void>;
  discardDeadLetter(flowId: string, deadLetterId: number): void;
  /** Journal entries after `from` (exclusive), oldest first. */
  journal(flowId: string, from: number, limit: number): Iterable<JournalExport>;
  debugMessages(flowId: string): DebugMessage[];

  setSecret(name: string, value: string): void;
  secretNames(): string[];
}

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
}

export interface FlowStatus {
  id: string;
  deployedRevision: number | null;
  state: FlowState;
  error: string | null;
  journal: JournalStats | null;
  deadLetters: number;
  nodes: { [nodeId: string]: NodeCounters };
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

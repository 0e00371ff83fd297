import type { Edge, Node } from '@xyflow/react';

/*
 * The server's shapes as the browser sees them (mirrors of server/runtime/api.ts, server/api/live/messages.ts
 * and the catalog route), then the canvas types built from them.
 */

export interface Position {
  x: number;
  y: number;
}

export interface FlowNodeDoc {
  id: string;
  type: string;
  name?: string;
  config?: Record<string, unknown>;
  position?: Position;
}

export interface Wire {
  from: string;
  to: string;
}

export interface FlowDocument {
  sluice: 1;
  id: string;
  name?: string;
  description?: string;
  nodes: FlowNodeDoc[];
  wires: Wire[];
}

export interface StoredRevision {
  flowId: string;
  revision: number;
  createdAt: number;
  doc: FlowDocument;
}

export type FlowState = 'running' | 'stopped' | 'failed' | 'not-deployed';

export interface FlowSummary {
  id: string;
  name: string;
  draftRevision: number;
  deployedRevision: number | null;
  state: FlowState;
}

export interface Port {
  name: string;
  description: string;
}

export interface CatalogEntry {
  type: string;
  category: string;
  label: string;
  /** Markdown. */
  docs: string;
  inputs: Port[];
  outputs: Port[];
}

/** `state` is one of the runtime's NodeState values; kept open so a newer server does not break the view. */
export interface NodeStatus {
  state: string;
  text?: string;
  at: number;
}

export interface NodeCounters {
  type: string;
  in: number;
  out: Record<string, number>;
  errors: number;
  retries: number;
  lastError: { message: string; at: number } | null;
  lagMs: number;
  status: NodeStatus;
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
  /** Pending dead letters. */
  deadLetters: number;
  nodes: Record<string, NodeCounters>;
}

export interface DebugMessage {
  flowId: string;
  nodeId: string;
  at: number;
  value: unknown;
}

export type LiveMessage =
  | { type: 'status'; flowId: string; nodeId: string; status: NodeStatus }
  | ({ type: 'debug' } & DebugMessage)
  | { type: 'debug-dropped'; count: number }
  | { type: 'counters'; flowId: string; nodes: Record<string, NodeCounters> }
  | { type: 'error'; message: string };

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** A debug message as the sidebar keeps it: `seq` is a stable React key and identity. */
export interface DebugEntry extends DebugMessage {
  seq: number;
}

/** Which revision the canvas shows. */
export interface ShownRevision {
  flowId: string;
  source: 'deployed' | 'draft';
  /** Null when the revision number is unknown (a deployed export does not carry it). */
  revision: number | null;
}

/** Everything a Sluice node component needs that does not change while the flow is shown. */
export interface SluiceNodeData extends Record<string, unknown> {
  label: string;
  type: string;
  category: string;
  inputs: Port[];
  outputs: Port[];
  /** Absent when the type is not in the catalog (a node module that is no longer loaded). */
  docs?: string;
}

export type SluiceFlowNode = Node<SluiceNodeData, 'sluice'>;

/** Every kind of canvas node; comments and groups will join this union. */
export type CanvasNode = SluiceFlowNode;

export type CanvasEdge = Edge;

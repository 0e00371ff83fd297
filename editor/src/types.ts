import type { Edge, Node } from '@xyflow/react';

/*
 * The server's shapes come from the server's own modules (type imports only, erased from the bundle),
 * so the editor and the API cannot drift; below them, the types of the canvas.
 */
export type {
  DebugMessage, FlowState, FlowStatus, FlowSummary, JournalStats, NodeCounters, StoredRevision,
} from '../../server/runtime/api-types';
export type { LiveMessage } from '../../server/api/live/messages';
export type { FlowDocument, FlowNode as FlowNodeDoc } from '../../server/core/flow-format';
export type { CatalogEntry } from '../../server/core/registry';
export type { Problem } from '../../server/core/problems';
export type { DeadLetter, Alert, AlertDetail, ClusterView, ReportDocument, ReportInfo } from '../../server/runtime/api-types';
import type { DebugMessage, NodeCounters } from '../../server/runtime/api-types';
import type { FlowDocument } from '../../server/core/flow-format';
import type { CatalogEntry } from '../../server/core/registry';

export type Wire = FlowDocument['wires'][number];
export type Position = NonNullable<FlowDocument['nodes'][number]['position']>;
export type Port = CatalogEntry['inputs'][number];
export type NodeStatus = NodeCounters['status'];

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** A debug message as the sidebar keeps it: `seq` is a stable React key and identity. */
export interface DebugEntry extends DebugMessage {
  seq: number;
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
  /** Nodes of the `note` category: the text to show (and, for a frame around nodes, its size). */
  note?: { text: string; width?: number; height?: number };
}

export type SluiceFlowNode = Node<SluiceNodeData, 'sluice'>;

/** What POST /api/import?preview=true answers for a Node-RED export (server/node-red/report.ts). */
export interface NodeRedImportReport {
  flows: { flowId: string; tab: string; label: string; nodes: number }[];
  nodes: { id: string; type: string; name?: string; flowId?: string; status: 'translated' | 'approximated' | 'needs-hand'; becomes: string; sluiceIds: string[]; notes: string[] }[];
  secrets: { name: string; what: string; usedBy: string[] }[];
  problems: { nodeId: string | null; message: string }[];
  counts: { translated: number; approximated: number; needsHand: number };
}

/** Every kind of canvas node; comments and groups will join this union. */
export type CanvasNode = SluiceFlowNode;

export type CanvasEdge = Edge;

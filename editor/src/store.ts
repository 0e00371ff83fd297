import { applyNodeChanges, type NodeChange } from '@xyflow/react';
import { create } from 'zustand';
import { appendDebug, clearDebug, DEBUG_LIMIT, emptyDebugLog, setDebugPaused, type DebugLog } from './debug-log';
import { toCanvas } from './graph';
import type {
  CanvasEdge, CanvasNode, CatalogEntry, ConnectionState, DebugMessage, FlowDocument, FlowStatus, FlowSummary,
  LiveMessage, NodeCounters, NodeStatus, ShownRevision,
} from './types';

export interface EditorState {
  flows: FlowSummary[];
  /** Null until the catalog arrived: the canvas needs it for ports. */
  catalog: ReadonlyMap<string, CatalogEntry> | null;
  selectedFlowId: string | null;
  /** The revision on the canvas; null while loading. */
  shown: ShownRevision | null;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  status: FlowStatus | null;
  counters: Record<string, NodeCounters>;
  /** Statuses pushed between two counter ticks, which are more recent than the counters' copy. */
  liveStatus: Record<string, NodeStatus>;
  connection: ConnectionState;
  retryInMs: number | null;
  debug: DebugLog;
  loadError: string | null;

  setFlows(flows: FlowSummary[]): void;
  setCatalog(entries: CatalogEntry[]): void;
  selectFlow(flowId: string | null): void;
  showFlow(shown: ShownRevision, doc: FlowDocument): void;
  onNodesChange(changes: NodeChange<CanvasNode>[]): void;
  setStatus(status: FlowStatus): void;
  setConnection(state: ConnectionState, retryInMs?: number): void;
  receive(message: LiveMessage): void;
  loadDebugHistory(flowId: string, messages: DebugMessage[]): void;
  setDebugFilter(nodeId: string | null): void;
  setDebugPaused(paused: boolean): void;
  clearDebug(): void;
  setLoadError(message: string | null): void;
}

export const useEditorStore = create<EditorState>()((set, get) => ({
  flows: [],
  catalog: null,
  selectedFlowId: null,
  shown: null,
  nodes: [],
  edges: [],
  status: null,
  counters: {},
  liveStatus: {},
  connection: 'connecting',
  retryInMs: null,
  debug: emptyDebugLog(),
  loadError: null,

  // Flows and status are polled: an answer means the server is back, so an earlier failure is cleared.
  setFlows: (flows) => set({ flows, loadError: null }),
  setCatalog: (entries) => set({ catalog: new Map(entries.map((e) => [e.type, e])) }),

  selectFlow: (flowId) => {
    if (flowId === get().selectedFlowId) return;
    set({
      selectedFlowId: flowId, shown: null, nodes: [], edges: [], status: null, counters: {}, liveStatus: {},
      debug: emptyDebugLog(), loadError: null,
    });
  },

  showFlow: (shown, doc) => {
    if (shown.flowId !== get().selectedFlowId) return;
    set({ shown, ...toCanvas(doc, get().catalog ?? new Map()) });
  },

  onNodesChange: (changes) => set({ nodes: applyNodeChanges(changes, get().nodes) }),

  setStatus: (status) => {
    if (status.id !== get().selectedFlowId) return;
    // The socket pushes counters every second; polled ones would only make the figures jump back and forth.
    set(get().connection === 'open' ? { status, loadError: null } : { status, counters: status.nodes, loadError: null });
  },

  setConnection: (connection, retryInMs) => set({ connection, retryInMs: retryInMs ?? null }),

  receive: (message) => {
    const selected = get().selectedFlowId;
    switch (message.type) {
      case 'counters':
        if (message.flowId === selected) set({ counters: message.nodes });
        return;
      case 'status':
        if (message.flowId === selected) set({ liveStatus: { ...get().liveStatus, [message.nodeId]: message.status } });
        return;
      case 'debug':
        if (message.flowId === selected) set({ debug: appendDebug(get().debug, [message]) });
        return;
      case 'debug-dropped':
        set({ debug: { ...get().debug, dropped: get().debug.dropped + message.count } });
        return;
      case 'error':
        console.warn('live feed:', message.message);
        return;
    }
  },

  loadDebugHistory: (flowId, messages) => {
    if (flowId !== get().selectedFlowId) return;
    // The socket may have delivered some of these while the request ran: keep only its newer messages.
    const current = get().debug;
    const history = appendDebug({ ...emptyDebugLog(), nextSeq: current.nextSeq }, messages);
    const newest = Math.max(0, ...messages.map((m) => m.at));
    const entries = [...history.entries, ...current.entries.filter((e) => e.at > newest)];
    set({ debug: { ...current, entries: entries.slice(-DEBUG_LIMIT), nextSeq: history.nextSeq } });
  },

  setDebugFilter: (nodeId) => set({ debug: { ...get().debug, filter: nodeId } }),
  setDebugPaused: (paused) => set({ debug: setDebugPaused(get().debug, paused) }),
  clearDebug: () => set({ debug: clearDebug(get().debug) }),
  setLoadError: (loadError) => set({ loadError }),
}));

/** The newer of the status pushed on its own and the one carried by the last counters. */
export function currentStatus(counters: NodeCounters | undefined, live: NodeStatus | undefined): NodeStatus | undefined {
  if (!counters) return live;
  if (!live) return counters.status;
  return live.at >= counters.status.at ? live : counters.status;
}

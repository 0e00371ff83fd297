import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from '@xyflow/react';
import { create } from 'zustand';
import { canEdit } from './auth/session';
import type { CollabState } from './collab/provider';
import { FlowSession, type Peer, type PeerCursor } from './collab/session';
import { appendDebug, clearDebug, DEBUG_LIMIT, emptyDebugLog, setDebugPaused, type DebugLog } from './debug-log';
import { mergeCanvas, toCanvas } from './graph';
import { problemsStillAbout, tieProblems, type ShownProblem } from './problems';
import { localUser } from './user';
import type {
  CanvasEdge, CanvasNode, CatalogEntry, ConnectionState, DebugMessage, FlowDocument, FlowStatus, FlowSummary,
  LiveMessage, NodeCounters, NodeStatus, Problem,
} from './types';

export type SidebarTab = 'debug' | 'dead-letters' | 'alerts' | 'reports';

export interface EditorState {
  flows: FlowSummary[];
  /** Null until the catalog arrived: the canvas needs it for ports. */
  catalog: ReadonlyMap<string, CatalogEntry> | null;
  selectedFlowId: string | null;
  /** The shared draft of the selected flow. */
  session: FlowSession | null;
  collab: CollabState;
  collabDetail: string | null;
  /** The draft as last read from the shared document; null until the first sync. */
  draft: FlowDocument | null;
  nodes: CanvasNode[];
  edges: CanvasEdge[];
  /** What the server answered to the last deploy, shown on the nodes concerned while the values they judged stay. */
  problems: ShownProblem[];
  peers: Peer[];
  /** The others' pointers; apart from `peers` so that their moves re-render only the cursors. */
  cursors: PeerCursor[];
  status: FlowStatus | null;
  counters: Record<string, NodeCounters>;
  /** Statuses pushed between two counter ticks, which are more recent than the counters' copy. */
  liveStatus: Record<string, NodeStatus>;
  connection: ConnectionState;
  retryInMs: number | null;
  debug: DebugLog;
  loadError: string | null;
  sidebar: SidebarTab;
  dialog: 'deploy' | 'import' | 'export' | 'connect' | 'new-flow' | null;
  notice: string | null;

  setFlows(flows: FlowSummary[]): void;
  setCatalog(entries: CatalogEntry[]): void;
  selectFlow(flowId: string | null): void;
  onNodesChange(changes: NodeChange<CanvasNode>[]): void;
  onEdgesChange(changes: EdgeChange<CanvasEdge>[]): void;
  selectOnly(nodeIds: string[]): void;
  setProblems(problems: Problem[]): void;
  setStatus(status: FlowStatus): void;
  setConnection(state: ConnectionState, retryInMs?: number): void;
  receive(message: LiveMessage): void;
  loadDebugHistory(flowId: string, messages: DebugMessage[]): void;
  setDebugFilter(nodeId: string | null): void;
  setDebugPaused(paused: boolean): void;
  clearDebug(): void;
  setLoadError(message: string | null): void;
  setSidebar(tab: SidebarTab): void;
  setDialog(dialog: EditorState['dialog']): void;
  setNotice(notice: string | null): void;
}

export const useEditorStore = create<EditorState>()((set, get) => {
  /** Rebuilds the canvas from the draft, keeping what did not change. */
  const showDraft = (draft: FlowDocument) => {
    const { catalog, nodes, edges } = get();
    const next = toCanvas(draft, catalog ?? new Map());
    set({ draft, ...mergeCanvas(nodes, next.nodes, edges, next.edges), problems: problemsStillAbout(get().problems, draft) });
  };

  const openSession = (flowId: string) => {
    // The provider reports its first state from inside the constructor, before `session` is assigned.
    let session: FlowSession | null = null;
    const current = () => session !== null && get().session === session;
    session = new FlowSession(flowId, localUser(), {
      change: (draft) => {
        if (current()) showDraft(draft);
      },
      state: (collab, detail) => {
        if (current()) set({ collab, collabDetail: detail ?? null });
      },
      peers: (peers) => {
        if (current()) set({ peers });
      },
      cursors: (cursors) => {
        if (current()) set({ cursors });
      },
    });
    return session;
  };

  return {
    flows: [],
    catalog: null,
    selectedFlowId: null,
    session: null,
    collab: 'connecting',
    collabDetail: null,
    draft: null,
    nodes: [],
    edges: [],
    problems: [],
    peers: [],
    cursors: [],
    status: null,
    counters: {},
    liveStatus: {},
    connection: 'connecting',
    retryInMs: null,
    debug: emptyDebugLog(),
    loadError: null,
    sidebar: 'debug',
    dialog: null,
    notice: null,

    // Flows and status are polled: an answer means the server is back, so an earlier failure is cleared.
    setFlows: (flows) => set({ flows, loadError: null }),
    setCatalog: (entries) => {
      set({ catalog: new Map(entries.map((e) => [e.type, e])) });
      const draft = get().draft;
      if (draft) showDraft(draft);
    },

    selectFlow: (flowId) => {
      if (flowId === get().selectedFlowId) return;
      get().session?.destroy();
      set({
        selectedFlowId: flowId, session: null, collab: 'connecting', collabDetail: null, draft: null, nodes: [], edges: [],
        problems: [], peers: [], cursors: [], status: null, counters: {}, liveStatus: {}, debug: emptyDebugLog(), loadError: null, dialog: null,
      });
      if (flowId !== null) set({ session: openSession(flowId) });
    },

    onNodesChange: (changes) => {
      const nodes = applyNodeChanges(changes, get().nodes);
      set({ nodes });
      if (changes.some((c) => c.type === 'select')) get().session?.setSelection(nodes.filter((n) => n.selected).map((n) => n.id));
    },
    onEdgesChange: (changes) => set({ edges: applyEdgeChanges(changes, get().edges) }),

    selectOnly: (nodeIds) => {
      const wanted = new Set(nodeIds);
      set({
        nodes: get().nodes.map((n) => (!!n.selected === wanted.has(n.id) ? n : { ...n, selected: wanted.has(n.id) })),
        edges: get().edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      });
      get().session?.setSelection(nodeIds);
    },

    setProblems: (problems) => set({ problems: tieProblems(problems, get().draft) }),

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
    setSidebar: (sidebar) => set({ sidebar }),
    setDialog: (dialog) => set({ dialog }),
    setNotice: (notice) => set({ notice }),
  };
});

/** The newer of the status pushed on its own and the one carried by the last counters. */
export function currentStatus(counters: NodeCounters | undefined, live: NodeStatus | undefined): NodeStatus | undefined {
  if (!counters) return live;
  if (!live) return counters.status;
  return live.at >= counters.status.at ? live : counters.status;
}

/** The session of the selected flow once it has synced: edits before the first sync would be lost in the merge. */
export function editableSession(): FlowSession | null {
  const { session, draft } = useEditorStore.getState();
  // Viewers get no session to edit through: every edit path (canvas, forms, shortcuts, paste) goes through here.
  return draft && canEdit() ? session : null;
}

import * as Y from 'yjs';
import { flowMaps, readFlow, type FlowMaps } from '../../../server/collab/flow-ydoc';
import type { FlowDocument } from '../types';
import { CollabProvider, collabUrl, type CollabState } from './provider';

/** Presence one tab publishes to the others editing the same flow. */
export interface Presence {
  name: string;
  colour: string;
  /** Ids of the nodes this person has selected. */
  selection: string[];
}

export interface Peer extends Presence {
  clientId: number;
}

export interface SessionHandlers {
  change(flow: FlowDocument): void;
  state(state: CollabState, detail?: string): void;
  peers(peers: Peer[]): void;
}

/**
 * One flow's shared draft as this tab edits it. Local edits carry the session's own origin, so the undo
 * manager, which tracks only that origin, never undoes what somebody else did.
 */
export class FlowSession {
  readonly doc = new Y.Doc();
  readonly maps: FlowMaps = flowMaps(this.doc);
  readonly undo: Y.UndoManager;
  readonly provider: CollabProvider;
  private readonly origin = { local: true };
  private pending = false;

  constructor(readonly flowId: string, presence: Omit<Presence, 'selection'>, private readonly handlers: SessionHandlers) {
    this.undo = new Y.UndoManager([this.maps.meta, this.maps.nodes, this.maps.wires], {
      trackedOrigins: new Set([this.origin]), captureTimeout: 400,
    });
    this.doc.on('update', this.onUpdate);
    this.provider = new CollabProvider(collabUrl(window.location, flowId), this.doc, handlers.state);
    this.provider.awareness.setLocalState({ ...presence, selection: [] } satisfies Presence);
    this.provider.awareness.on('change', this.onPresence);
  }

  /**
   * Applies an edit of this tab as one undoable step. Keystrokes in a field (`typing`) that follow each other
   * within the capture timeout merge into one step; any other edit is a step of its own, so Ctrl+Z after a
   * paste quickly followed by Delete brings the pasted nodes back instead of undoing both.
   */
  edit(change: (maps: FlowMaps) => void, typing = false): void {
    if (!typing) this.undo.stopCapturing();
    this.doc.transact(() => change(this.maps), this.origin);
    if (!typing) this.undo.stopCapturing();
  }

  setSelection(selection: string[]): void {
    const current = this.provider.awareness.getLocalState() as Presence | null;
    if (!current || sameIds(current.selection, selection)) return;
    this.provider.awareness.setLocalState({ ...current, selection });
  }

  read(): FlowDocument {
    return readFlow(this.doc);
  }

  destroy(): void {
    this.doc.off('update', this.onUpdate);
    this.provider.awareness.off('change', this.onPresence);
    this.provider.destroy();
    this.undo.destroy();
    this.doc.destroy();
  }

  // A paste or a remote burst arrives as many updates: the canvas is rebuilt once per task, not per update.
  private readonly onUpdate = () => {
    if (this.pending) return;
    this.pending = true;
    queueMicrotask(() => {
      this.pending = false;
      this.handlers.change(readFlow(this.doc));
    });
  };

  private readonly onPresence = () => {
    const peers: Peer[] = [];
    for (const [clientId, state] of this.provider.awareness.getStates()) {
      if (clientId === this.doc.clientID || !isPresence(state)) continue;
      peers.push({ clientId, name: state.name, colour: state.colour, selection: state.selection });
    }
    this.handlers.peers(peers);
  };
}

function isPresence(value: unknown): value is Presence {
  const v = value as Partial<Presence> | null;
  return !!v && typeof v.name === 'string' && typeof v.colour === 'string' && Array.isArray(v.selection);
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

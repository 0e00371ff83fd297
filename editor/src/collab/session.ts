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
  /** Where this person's pointer is on the canvas, in flow coordinates; null when it is elsewhere. */
  cursor: { x: number; y: number } | null;
}

/** Another person on this flow: who, and what they selected. */
export interface Peer extends Omit<Presence, 'cursor'> {
  clientId: number;
}

/** Another person's pointer on the canvas, in flow coordinates. */
export interface PeerCursor extends Pick<Presence, 'name' | 'colour'> {
  clientId: number;
  x: number;
  y: number;
}

/** At most this many pointer updates a second leave for the others: awareness goes to every peer. */
export const CURSOR_UPDATES_PER_SECOND = 20;

export interface SessionHandlers {
  change(flow: FlowDocument): void;
  state(state: CollabState, detail?: string): void;
  /** Called only when somebody came, left or changed selection: every node on the canvas reads this. */
  peers(peers: Peer[]): void;
  /** Called as the others' pointers move (up to CURSOR_UPDATES_PER_SECOND per person). */
  cursors(cursors: PeerCursor[]): void;
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
  /** What was last reported to the handlers, so a moving pointer does not re-render every node. */
  private peersKey = '[]';
  private cursorsKey = '[]';
  /** The pointer position not yet published, and the timer that publishes it. */
  private cursorPending: Presence['cursor'] | undefined;
  private cursorTimer: number | undefined;

  constructor(readonly flowId: string, presence: Omit<Presence, 'selection' | 'cursor'>, private readonly handlers: SessionHandlers) {
    this.undo = new Y.UndoManager([this.maps.meta, this.maps.nodes, this.maps.wires], {
      trackedOrigins: new Set([this.origin]), captureTimeout: 400,
    });
    this.doc.on('update', this.onUpdate);
    this.provider = new CollabProvider(collabUrl(window.location, flowId), this.doc, handlers.state);
    this.provider.awareness.setLocalState({ ...presence, selection: [], cursor: null } satisfies Presence);
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

  /**
   * Publishes the pointer position, throttled: the first move goes at once, later ones at most every
   * 1/CURSOR_UPDATES_PER_SECOND s, always ending with the latest position so the others see where it stopped.
   */
  setCursor(cursor: Presence['cursor']): void {
    if (this.cursorTimer !== undefined) {
      this.cursorPending = cursor;
      return;
    }
    this.publishCursor(cursor);
    this.cursorTimer = window.setTimeout(this.flushCursor, 1000 / CURSOR_UPDATES_PER_SECOND);
  }

  read(): FlowDocument {
    return readFlow(this.doc);
  }

  destroy(): void {
    window.clearTimeout(this.cursorTimer);
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

  private readonly flushCursor = () => {
    this.cursorTimer = undefined;
    const pending = this.cursorPending;
    if (pending === undefined) return;
    this.cursorPending = undefined;
    this.setCursor(pending);
  };

  private publishCursor(cursor: Presence['cursor']): void {
    const current = this.provider.awareness.getLocalState() as Presence | null;
    if (!current) return;
    const rounded = cursor && { x: Math.round(cursor.x), y: Math.round(cursor.y) };
    if (rounded?.x === current.cursor?.x && rounded?.y === current.cursor?.y) return;
    this.provider.awareness.setLocalState({ ...current, cursor: rounded });
  }

  private readonly onPresence = () => {
    const peers: Peer[] = [];
    const cursors: PeerCursor[] = [];
    for (const [clientId, state] of this.provider.awareness.getStates()) {
      if (clientId === this.doc.clientID || !isPresence(state)) continue;
      peers.push({ clientId, name: state.name, colour: state.colour, selection: state.selection });
      const cursor = validCursor(state.cursor);
      if (cursor) cursors.push({ clientId, name: state.name, colour: state.colour, ...cursor });
    }
    const peersKey = JSON.stringify(peers);
    if (peersKey !== this.peersKey) {
      this.peersKey = peersKey;
      this.handlers.peers(peers);
    }
    const cursorsKey = JSON.stringify(cursors);
    if (cursorsKey !== this.cursorsKey) {
      this.cursorsKey = cursorsKey;
      this.handlers.cursors(cursors);
    }
  };
}

function isPresence(value: unknown): value is Presence {
  const v = value as Partial<Presence> | null;
  return !!v && typeof v.name === 'string' && typeof v.colour === 'string' && Array.isArray(v.selection);
}

/** Older tabs publish no cursor; a malformed one is not drawn. */
function validCursor(value: unknown): Presence['cursor'] {
  const c = value as Partial<NonNullable<Presence['cursor']>> | null | undefined;
  return c && Number.isFinite(c.x) && Number.isFinite(c.y) ? { x: c.x!, y: c.y! } : null;
}

function sameIds(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { FlowDocument } from '../core/flow-format.js';
import type { StoredRevision } from '../runtime/api-types.js';
import type { CollabStore } from '../store/collab-store.js';
import { readFlow, writeFlow } from './flow-ydoc.js';
import { awarenessMessage, handleMessage, syncStep1, updateMessage } from './protocol.js';

/** One browser tab in a room. */
export interface CollabConnection {
  send(data: Uint8Array): void;
}

export interface RoomDeps {
  store: CollabStore;
  getDraft(flowId: string): StoredRevision | undefined;
  saveDraft(doc: FlowDocument): StoredRevision;
  onError(err: unknown, what: string): void;
  /** Edits are saved to the flow store this long after the last one. */
  saveDelayMs: number;
  /** How often an idle room looks for a draft changed elsewhere (API, CLI, import). */
  refreshEveryMs: number;
}

/** Origins of the server's own transactions, so they are neither echoed back as edits nor persisted twice. */
const PERSISTED = Symbol('persisted');
const EXTERNAL = Symbol('external draft');

/**
 * The shared draft of one flow: a Y.Doc synced with every connected tab, each update appended to the
 * collab store as it arrives, and the document saved as a draft revision shortly after edits stop.
 */
export class CollabRoom {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  private readonly connections = new Map<CollabConnection, Set<number>>();
  private draftRevision: number;
  private dirty = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly refreshTimer: NodeJS.Timeout;

  private constructor(readonly flowId: string, private readonly deps: RoomDeps, draft: StoredRevision) {
    // The server shows no presence of its own.
    this.awareness.setLocalState(null);
    this.draftRevision = draft.revision;
    this.load(draft);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onUpdate(update, origin));
    this.awareness.on('update', (change: AwarenessChange, origin: unknown) => this.onAwareness(change, origin));
    this.refreshTimer = setInterval(() => this.refresh(), deps.refreshEveryMs);
    this.refreshTimer.unref();
  }

  /** Undefined when the flow does not exist. */
  static open(flowId: string, deps: RoomDeps): CollabRoom | undefined {
    const draft = deps.getDraft(flowId);
    return draft && new CollabRoom(flowId, deps, draft);
  }

  get size(): number {
    return this.connections.size;
  }

  join(conn: CollabConnection): void {
    this.refresh();
    this.connections.set(conn, new Set());
    conn.send(syncStep1(this.doc));
    const states = [...this.awareness.getStates().keys()];
    if (states.length > 0) conn.send(awarenessMessage(this.awareness, states));
  }

  receive(conn: CollabConnection, data: Uint8Array): void {
    const reply = handleMessage(data, this.doc, this.awareness, conn);
    if (reply) conn.send(reply);
  }

  leave(conn: CollabConnection): void {
    const clients = this.connections.get(conn);
    this.connections.delete(conn);
    if (clients?.size) awarenessProtocol.removeAwarenessStates(this.awareness, [...clients], null);
  }

  /** Saves pending edits and compacts the stored updates into one; the room is unusable afterwards. */
  close(): void {
    clearInterval(this.refreshTimer);
    clearTimeout(this.saveTimer);
    try {
      this.saveNow();
      this.deps.store.compact(this.flowId, Y.encodeStateAsUpdate(this.doc), this.draftRevision);
    } finally {
      // Awareness runs a timer of its own: it must stop even when saving failed (the caller reports that).
      this.awareness.destroy();
      this.doc.destroy();
    }
  }

  private load(draft: StoredRevision): void {
    const saved = this.deps.store.load(this.flowId);
    if (saved && saved.draftRevision === draft.revision && saved.updates.length > 0) {
      this.doc.transact(() => saved.updates.forEach((u) => Y.applyUpdate(this.doc, u)), PERSISTED);
      return;
    }
    // No shared document yet, or the draft changed while nobody had the flow open: start from the draft.
    this.doc.transact(() => writeFlow(this.doc, draft.doc), PERSISTED);
    this.deps.store.compact(this.flowId, Y.encodeStateAsUpdate(this.doc), draft.revision);
  }

  private onUpdate(update: Uint8Array, origin: unknown): void {
    if (origin === PERSISTED) return;
    this.deps.store.append(this.flowId, update);
    const message = updateMessage(update);
    for (const conn of this.connections.keys()) conn.send(message);
    if (origin === EXTERNAL) return;
    this.dirty = true;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveNow(), this.deps.saveDelayMs);
  }

  private onAwareness({ added, updated, removed }: AwarenessChange, origin: unknown): void {
    const own = this.connections.get(origin as CollabConnection);
    if (own) {
      for (const id of added) own.add(id);
      for (const id of removed) own.delete(id);
    }
    const message = awarenessMessage(this.awareness, [...added, ...updated, ...removed]);
    for (const conn of this.connections.keys()) conn.send(message);
  }

  private saveNow(): void {
    clearTimeout(this.saveTimer);
    if (!this.dirty) return;
    this.dirty = false;
    try {
      const saved = this.deps.saveDraft(readFlow(this.doc));
      this.draftRevision = saved.revision;
      this.deps.store.setDraftRevision(this.flowId, saved.revision);
    } catch (err) {
      this.deps.onError(err, `saving the draft of flow "${this.flowId}"`);
    }
  }

  /**
   * A draft stored by someone else (a PUT, an import, a deploy with a body) replaces the shared document,
   * unless edits made here since are still unsaved: those are saved over it, and it stays in the revisions.
   */
  private refresh(): void {
    if (this.dirty) return;
    try {
      const draft = this.deps.getDraft(this.flowId);
      if (!draft || draft.revision === this.draftRevision) return;
      this.draftRevision = draft.revision;
      if (JSON.stringify(readFlow(this.doc)) !== JSON.stringify(readFlow(docOf(draft.doc)))) {
        this.doc.transact(() => writeFlow(this.doc, draft.doc), EXTERNAL);
      }
      this.deps.store.setDraftRevision(this.flowId, draft.revision);
    } catch (err) {
      this.deps.onError(err, `refreshing the draft of flow "${this.flowId}"`);
    }
  }
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

/** The document as the room would read it back, so equal drafts compare equal whatever their wire spelling. */
function docOf(flow: FlowDocument): Y.Doc {
  const doc = new Y.Doc();
  writeFlow(doc, flow);
  return doc;
}

import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { awarenessMessage, handleMessage, isSyncStep2, syncStep1, updateMessage } from '../../../server/collab/protocol';
import { retryDelay } from '../live';

export type CollabState = 'connecting' | 'synced' | 'offline';

/**
 * Keeps one flow's Y.Doc in sync with the server's room over `/api/flows/:id/collab`, reconnecting with
 * backoff; edits made while offline are kept and sent on the next sync.
 */
export class CollabProvider {
  readonly awareness: awarenessProtocol.Awareness;
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | undefined;
  private stopped = false;

  constructor(
    private readonly url: string,
    readonly doc: Y.Doc,
    private readonly onState: (state: CollabState, detail?: string) => void,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc);
    doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    window.addEventListener('pagehide', this.onPageHide);
    this.connect();
  }

  destroy(): void {
    this.stopped = true;
    window.removeEventListener('pagehide', this.onPageHide);
    window.clearTimeout(this.retryTimer);
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'local');
    this.socket?.close();
    this.socket = null;
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.awareness.destroy();
  }

  private connect(): void {
    this.onState('connecting');
    const socket = new WebSocket(this.url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      socket.send(syncStep1(this.doc));
      if (this.awareness.getLocalState() !== null) socket.send(awarenessMessage(this.awareness, [this.doc.clientID]));
    };
    socket.onmessage = (event: MessageEvent<ArrayBuffer>) => {
      const data = new Uint8Array(event.data);
      const reply = handleMessage(data, this.doc, this.awareness, this);
      if (reply) socket.send(reply);
      if (isSyncStep2(data)) this.onState('synced');
    };
    socket.onclose = (event) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      // Peers that were seen through this socket are no longer known to be there.
      const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
      awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
      if (event.code === 4404) {
        this.onState('offline', event.reason);
        return;
      }
      this.onState('offline');
      this.retryTimer = window.setTimeout(() => this.connect(), retryDelay(this.attempt++));
    };
  }

  /**
   * A reload or a closed tab says goodbye while its socket is still open: the others drop this tab's presence
   * at once instead of showing it until awareness times it out (30 s) or the server notices the socket is gone.
   */
  private readonly onPageHide = () => {
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'page hidden');
  };

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin !== this && this.socket?.readyState === WebSocket.OPEN) this.socket.send(updateMessage(update));
  };

  private readonly onAwarenessUpdate = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
    if (origin === this || this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(awarenessMessage(this.awareness, [...added, ...updated, ...removed]));
  };
}

export function collabUrl(location: Location, flowId: string): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/flows/${encodeURIComponent(flowId)}/collab`;
}

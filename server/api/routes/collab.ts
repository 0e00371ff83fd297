import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import * as decoding from 'lib0/decoding';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket, type RawData } from 'ws';
import { roleAtLeast } from '../../auth/roles.js';
import { CollabRooms } from '../../collab/rooms.js';
import type { CollabConnection } from '../../collab/room.js';
import { MESSAGE_SYNC } from '../../collab/protocol.js';
import { FlowParams } from '../schemas.js';
import '../decorators.js';

export interface CollabOptions {
  /** Edits are saved as a draft revision this long after the last one (default 500 ms). */
  saveDelayMs?: number;
}

/** Close code for a flow that does not exist (4000–4999 are the application's). */
const FLOW_NOT_FOUND = 4404;

/**
 * GET /api/flows/:id/collab: the y-websocket protocol (y-protocols sync and awareness messages) for the
 * flow's shared draft. Every update is stored in the data directory as it arrives.
 */
export const collabRoutes: FastifyPluginAsyncTypebox<CollabOptions> = async (app, options) => {
  const runtime = app.runtime;
  const rooms = new CollabRooms({
    store: runtime.collab,
    getDraft: (flowId) => runtime.getDraft(flowId),
    saveDraft: (doc) => runtime.saveDraft(doc),
    onError: (err, what) => app.log.error({ err }, what),
    saveDelayMs: options.saveDelayMs ?? 500,
    refreshEveryMs: 2000,
  });
  app.addHook('onClose', async () => rooms.closeAll());

  app.get('/api/flows/:id/collab', { websocket: true, config: { access: 'viewer' }, schema: { params: FlowParams } }, (socket, request) => {
    const { id } = request.params as { id: string };
    const conn: CollabConnection = {
      send: (data) => {
        if (socket.readyState === WebSocket.OPEN) socket.send(data);
      },
    };
    const room = rooms.join(id, conn);
    if (!room) {
      socket.close(FLOW_NOT_FOUND, `flow "${id}" does not exist`);
      return;
    }
    // Viewers follow the draft live and show their presence, but their document changes are not applied.
    const readOnly = !roleAtLeast(request.principal?.role ?? null, 'editor');
    socket.on('message', (data: RawData) => {
      try {
        const message = bytes(data);
        if (readOnly && changesDocument(message)) return;
        room.receive(conn, message);
      } catch (err) {
        request.log.warn({ err }, 'bad collaboration message');
        socket.close(1007, (err as Error).message.slice(0, 120));
      }
    });
    socket.on('close', () => rooms.leave(room, conn));
    socket.on('error', (err) => request.log.warn({ err }, 'collaboration socket error'));
  });
};

/** Sync step 2 and update messages carry document changes; step 1 and awareness messages do not. */
function changesDocument(message: Uint8Array): boolean {
  const decoder = decoding.createDecoder(message);
  if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return false;
  const step = decoding.readVarUint(decoder);
  return step === syncProtocol.messageYjsSyncStep2 || step === syncProtocol.messageYjsUpdate;
}

function bytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

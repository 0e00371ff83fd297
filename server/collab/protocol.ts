import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';

/*
 * The y-websocket wire format, shared by the server's rooms and the editor's provider: each binary
 * message starts with its kind, followed by a y-protocols sync or awareness message.
 */
export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;

export function syncStep1(doc: Y.Doc): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeSyncStep1(encoder, doc);
  return encoding.toUint8Array(encoder);
}

export function updateMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

export function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
  return encoding.toUint8Array(encoder);
}

/**
 * Applies one incoming message with `origin` as the transaction origin; returns the reply to send
 * (a sync step 2 answering a step 1), or null.
 */
export function handleMessage(
  data: Uint8Array, doc: Y.Doc, awareness: awarenessProtocol.Awareness, origin: unknown,
): Uint8Array | null {
  const decoder = decoding.createDecoder(data);
  const kind = decoding.readVarUint(decoder);
  if (kind === MESSAGE_SYNC) {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.readSyncMessage(decoder, encoder, doc, origin);
    return encoding.length(encoder) > 1 ? encoding.toUint8Array(encoder) : null;
  }
  if (kind === MESSAGE_AWARENESS) {
    awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), origin);
    return null;
  }
  throw new Error(`unknown collaboration message kind ${kind}`);
}

/** Whether a sync message is step 2 (the answer that completes the first sync). */
export function isSyncStep2(data: Uint8Array): boolean {
  const decoder = decoding.createDecoder(data);
  return decoding.readVarUint(decoder) === MESSAGE_SYNC && decoding.readVarUint(decoder) === syncProtocol.messageYjsSyncStep2;
}

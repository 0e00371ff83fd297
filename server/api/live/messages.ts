import type { DebugMessage, NodeCounters, StatusEvent } from '../../runtime/api-types.js';

/** What the server pushes on /api/ws. */
export type LiveMessage =
  | ({ type: 'status' } & StatusEvent)
  | ({ type: 'debug' } & DebugMessage)
  | { type: 'debug-dropped'; count: number }
  | { type: 'counters'; flowId: string; nodes: { [nodeId: string]: NodeCounters } }
  | { type: 'error'; message: string };

export type CountersMessage = Extract<LiveMessage, { type: 'counters' }>;

/** What a client may send: restrict the feed to one flow, or `flowId: null` for every flow. */
export interface SubscribeMessage {
  type: 'subscribe';
  flowId: string | null;
}

export function parseClientMessage(text: string): SubscribeMessage | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const msg = value as { type?: unknown; flowId?: unknown };
  if (msg === null || typeof msg !== 'object' || msg.type !== 'subscribe') {
    return { error: 'expected {"type":"subscribe","flowId":"<flow id>"|null}' };
  }
  if (msg.flowId !== undefined && msg.flowId !== null && typeof msg.flowId !== 'string') {
    return { error: 'flowId must be a string or null' };
  }
  return { type: 'subscribe', flowId: typeof msg.flowId === 'string' ? msg.flowId : null };
}

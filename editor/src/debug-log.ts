import type { DebugEntry, DebugMessage } from './types';

/** The sidebar keeps this many messages; older ones fall off (the server keeps its own recent ones). */
export const DEBUG_LIMIT = 500;

export interface DebugLog {
  /** Shown messages, oldest first. */
  entries: DebugEntry[];
  /** Messages that arrived while paused, shown on resume. */
  held: DebugEntry[];
  paused: boolean;
  /** Node id whose messages are shown, or null for all. */
  filter: string | null;
  /** Messages the server's rate limit dropped since the last clear. */
  dropped: number;
  nextSeq: number;
}

export const emptyDebugLog = (): DebugLog => ({ entries: [], held: [], paused: false, filter: null, dropped: 0, nextSeq: 0 });

export function appendDebug(log: DebugLog, messages: DebugMessage[]): DebugLog {
  if (messages.length === 0) return log;
  const added = messages.map((m, i) => ({ flowId: m.flowId, nodeId: m.nodeId, at: m.at, value: m.value, seq: log.nextSeq + i }));
  const nextSeq = log.nextSeq + messages.length;
  if (log.paused) return { ...log, held: capped([...log.held, ...added]), nextSeq };
  return { ...log, entries: capped([...log.entries, ...added]), nextSeq };
}

export function setDebugPaused(log: DebugLog, paused: boolean): DebugLog {
  if (paused === log.paused) return log;
  if (paused) return { ...log, paused };
  return { ...log, paused, entries: capped([...log.entries, ...log.held]), held: [] };
}

export function clearDebug(log: DebugLog): DebugLog {
  return { ...log, entries: [], held: [], dropped: 0 };
}

export function visibleEntries(log: DebugLog): DebugEntry[] {
  return log.filter === null ? log.entries : log.entries.filter((e) => e.nodeId === log.filter);
}

function capped(entries: DebugEntry[]): DebugEntry[] {
  return entries.length > DEBUG_LIMIT ? entries.slice(entries.length - DEBUG_LIMIT) : entries;
}

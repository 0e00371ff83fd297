import Database, { type Database as Db } from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import type { CheckpointReply, CheckpointRequest } from './checkpointer.js';

/**
 * Copies journals' write-ahead logs into their database files (SQLite checkpoints) on a thread of its own:
 * the copy costs about as much as the write it follows, and the event loop has better things to do.
 */
const connections = new Map<string, Db>();

function connection(path: string): Db {
  let db = connections.get(path);
  if (!db) {
    db = new Database(path);
    connections.set(path, db);
  }
  return db;
}

function handle(m: CheckpointRequest): CheckpointReply {
  try {
    if (m.type === 'forget' || m.type === 'forget-all') {
      for (const path of m.type === 'forget' ? [m.path] : [...connections.keys()]) {
        connections.get(path)?.close();
        connections.delete(path);
      }
      return { seq: m.seq, ok: true, busy: false, walPages: 0 };
    }
    const [row] = connection(m.path).pragma(`wal_checkpoint(${m.mode})`) as { busy: number; log: number }[];
    return { seq: m.seq, ok: true, busy: row!.busy !== 0, walPages: row!.log };
  } catch (err) {
    return { seq: m.seq, ok: false, message: (err as Error).message };
  }
}

parentPort!.on('message', (m: CheckpointRequest) => parentPort!.postMessage(handle(m)));

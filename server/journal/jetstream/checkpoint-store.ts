import type { KV } from '@nats-io/kv';
import type { NatsLink } from '../../cluster/nats-link.js';
import { isWrongSequence } from '../../cluster/nats-link.js';
import { JournalFencedError } from '../errors.js';
import type { Checkpoint } from '../journal.js';

/** What a partition's checkpoint key holds, besides the snapshots. */
interface Meta {
  offset: number;
  at: number;
  /** The server that committed it, and the revision of the lease it held. */
  owner: string;
  lease: number;
  /** Stage boundaries: the last sequence taken per `<boundary node>:<partition before>`, to drop replayed copies. */
  origins: { [from: string]: number };
  /** Snapshots too large for the key live in the snapshot stream, in these sequences. */
  chunks?: { first: number; last: number };
}

export interface ClaimedCheckpoint {
  checkpoint: Checkpoint | undefined;
  origins: { [from: string]: number };
  /** The key's revision after the claim: the next commit is a compare-and-set on it. */
  revision: number;
}

/** Snapshots up to this size stay in the key; larger ones are chunked into the snapshot stream. */
const INLINE_BYTES = 256 * 1024;
const CHUNK_BYTES = 512 * 1024;

/**
 * Checkpoints of partitions in a KV bucket, one key per partition, each commit a compare-and-set on the revision
 * the committer last wrote. A new owner first claims the key (a write of the same checkpoint under its own lease),
 * so a stale owner's next commit fails: that is the fence for checkpoints, whatever the clocks say.
 */
export class CheckpointStore {
  private constructor(private readonly link: NatsLink, private readonly kv: KV) {}

  static async open(link: NatsLink): Promise<CheckpointStore> {
    await link.ensureStream({
      name: link.names.snapshotStream, subjects: [`${link.names.snapshotSubject('*', 0, 0).split('.').slice(0, 3).join('.')}.>`],
      num_replicas: link.defaultReplicas, allow_direct: true,
    });
    return new CheckpointStore(link, await link.bucket(link.names.bucket('CHECKPOINTS')));
  }

  /** The committed checkpoint offset, for lag figures (0 when none). */
  async offset(key: string): Promise<number> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') return 0;
    return parse(entry.value).meta.offset;
  }

  async claim(key: string, snapshotSubject: string, owner: string, lease: number): Promise<ClaimedCheckpoint> {
    const entry = await this.kv.get(key);
    const stored = entry && entry.operation === 'PUT' ? parse(entry.value) : undefined;
    const meta: Meta = { ...(stored?.meta ?? { offset: 0, at: 0, origins: {} }), owner, lease };
    const value = encode(meta, stored?.text ?? '');
    let revision: number;
    try {
      revision = entry ? await this.kv.update(key, value, entry.revision) : await this.kv.create(key, value);
    } catch (err) {
      if (isWrongSequence(err) || /exists/i.test(String((err as Error).message))) throw new JournalFencedError(`another server claimed the checkpoint ${key}`);
      throw err;
    }
    if (!stored || stored.meta.at === 0) return { checkpoint: undefined, origins: meta.origins, revision };
    const text = stored.meta.chunks ? await this.readChunks(stored.meta.chunks, snapshotSubject) : stored.text;
    return {
      checkpoint: { offset: stored.meta.offset, at: stored.meta.at, snapshots: JSON.parse(text || '{}') as Checkpoint['snapshots'] },
      origins: meta.origins, revision,
    };
  }

  /** Commits on the revision the caller holds; returns the new one. Throws JournalFencedError when another server claimed it. */
  async commit(key: string, snapshotSubject: string, revision: number, meta: Omit<Meta, 'chunks' | 'at'>, snapshots: string): Promise<number> {
    const full: Meta = { ...meta, at: Date.now() };
    let inline = snapshots;
    if (snapshots.length > INLINE_BYTES) {
      full.chunks = await this.writeChunks(snapshots, snapshotSubject);
      inline = '';
    }
    let next: number;
    try {
      next = await this.kv.update(key, encode(full, inline), revision);
    } catch (err) {
      if (isWrongSequence(err)) throw new JournalFencedError(`another server took over the partition ${key} (its checkpoint moved on)`);
      throw err;
    }
    // Chunks of earlier checkpoints (and of a fenced owner's attempts) are no longer needed.
    await this.link.jsm.streams.purge(this.link.names.snapshotStream, { filter: snapshotSubject, ...(full.chunks ? { seq: full.chunks.first } : {}) });
    return next;
  }

  async delete(key: string, snapshotSubject: string): Promise<void> {
    await this.kv.purge(key);
    await this.link.jsm.streams.purge(this.link.names.snapshotStream, { filter: snapshotSubject });
  }

  private async writeChunks(text: string, subject: string): Promise<{ first: number; last: number }> {
    const data = Buffer.from(text);
    let first = 0;
    let last = 0;
    for (let at = 0; at < data.length; at += CHUNK_BYTES) {
      const ack = await this.link.js.publish(subject, data.subarray(at, Math.min(data.length, at + CHUNK_BYTES)), { timeout: 10_000 });
      if (first === 0) first = ack.seq;
      last = ack.seq;
    }
    return { first, last };
  }

  private async readChunks(chunks: { first: number; last: number }, subject: string): Promise<string> {
    const parts: Uint8Array[] = [];
    let seq = chunks.first;
    while (seq <= chunks.last) {
      const m = await this.link.jsm.streams.getMessage(this.link.names.snapshotStream, { next_by_subj: subject, seq } as never);
      if (!m || m.seq > chunks.last) throw new Error(`snapshot chunks ${chunks.first}..${chunks.last} of ${subject} are incomplete (at ${seq})`);
      parts.push(m.data);
      seq = m.seq + 1;
    }
    return Buffer.concat(parts).toString('utf8');
  }
}

// The key holds the metadata as one JSON line, then the snapshots' JSON text: no escaping of one inside the other.
function encode(meta: Meta, snapshots: string): Uint8Array {
  return Buffer.from(`${JSON.stringify(meta)}\n${snapshots}`);
}

function parse(value: Uint8Array): { meta: Meta; text: string } {
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  const nl = text.indexOf('\n');
  return { meta: JSON.parse(nl < 0 ? text : text.slice(0, nl)) as Meta, text: nl < 0 ? '' : text.slice(nl + 1) };
}

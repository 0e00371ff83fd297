import { createHash } from 'node:crypto';
import type { KV } from '@nats-io/kv';
import type { NatsLink } from '../../cluster/nats-link.js';
import { isWrongSequence } from '../../cluster/nats-link.js';
import type { DataRecord } from '../../core/types.js';
import type { DeadLetter, DeadLetterState } from '../../runtime/api.js';
import { DeadLetterNotPendingError } from '../dead-letter-store.js';
import type { NewDeadLetter } from '../journal.js';
import { token } from './names.js';

interface StoredLetter {
  node: string;
  offset: number;
  stage: number;
  partition: number;
  error: string;
  attempts: number;
  createdAt: number;
  records: DataRecord[];
}

interface LetterState {
  state: Exclude<DeadLetterState, 'pending'>;
  at: number;
  /** A replay's journal sequence; null until its entry is stored. */
  offset: number | null;
}

/** A replay claimed this long ago whose entry never got stored (its server died between the two) is pending again. */
const STALE_CLAIM_MS = 60_000;

/**
 * A cluster's dead letters: one stream for every flow (a letter's id is its sequence there), and their state in a
 * KV bucket, set once by compare-and-set, so two servers never both replay or discard one letter.
 */
export class DeadLetterStream {
  private constructor(private readonly link: NatsLink, private readonly states: KV) {}

  static async open(link: NatsLink): Promise<DeadLetterStream> {
    const subjects = `${link.names.deadLetterSubject('x').split('.').slice(0, 3).join('.')}.>`;
    await link.ensureStream({ name: link.names.deadLetterStream, subjects: [subjects], num_replicas: link.defaultReplicas, allow_direct: true });
    return new DeadLetterStream(link, await link.bucket(link.names.bucket('DEADSTATE')));
  }

  /**
   * A replayed batch can fail again in the same place: the message id (node, partition, offset, reason) keeps
   * the first letter only, as the single-server store does.
   */
  async add(flow: string, letter: NewDeadLetter & { stage: number; partition: number }): Promise<void> {
    const stored: StoredLetter = { ...letter, records: [...letter.records], createdAt: Date.now() };
    const id = createHash('sha256').update(JSON.stringify([flow, letter.stage, letter.partition, letter.node, letter.offset, letter.error])).digest('base64url');
    await this.link.js.publish(this.link.names.deadLetterSubject(flow), Buffer.from(JSON.stringify(stored)), { msgID: `dl.${id}`, timeout: 10_000 });
  }

  async list(flow: string, query: { state?: DeadLetterState; limit?: number; afterId?: number }): Promise<DeadLetter[]> {
    const limit = Math.min(Math.max(query.limit ?? 100, 1), 10_000);
    const subject = this.link.names.deadLetterSubject(flow);
    const out: DeadLetter[] = [];
    let seq = (query.afterId ?? 0) + 1;
    while (out.length < limit) {
      const m = await this.link.jsm.streams.getMessage(this.link.names.deadLetterStream, { next_by_subj: subject, seq } as never);
      if (!m) break;
      seq = m.seq + 1;
      const letter = await this.letter(flow, m.seq, m.data);
      if (!query.state || letter.state === query.state) out.push(letter);
    }
    return out;
  }

  async get(flow: string, id: number): Promise<(DeadLetter & { stage: number; partition: number }) | undefined> {
    const m = await this.link.jsm.streams.getMessage(this.link.names.deadLetterStream, { seq: id });
    if (!m || m.subject !== this.link.names.deadLetterSubject(flow)) return undefined;
    return this.letter(flow, id, m.data);
  }

  /** Letters of the flow not replayed or discarded: letters stored minus states set. */
  async pending(flow: string): Promise<number> {
    const subject = this.link.names.deadLetterSubject(flow);
    const info = await this.link.jsm.streams.info(this.link.names.deadLetterStream, { subjects_filter: subject });
    const letters = info.state.subjects?.[subject] ?? 0;
    if (letters === 0) return 0;
    const stateStream = `KV_${this.link.names.bucket('DEADSTATE')}`;
    const states = await this.link.jsm.streams.info(stateStream, { subjects_filter: `$KV.${this.link.names.bucket('DEADSTATE')}.${token(flow)}.>` });
    return Math.max(0, letters - Object.keys(states.state.subjects ?? {}).length);
  }

  /**
   * Marks the letter replayed (claim), lets `journal` store its replay entry, then records where. Throws
   * DeadLetterNotPendingError when another replay or a discard came first.
   */
  async replay(flow: string, id: number, journal: () => Promise<number>): Promise<number> {
    const revision = await this.claim(flow, id, { state: 'replayed', at: Date.now(), offset: null });
    let offset: number;
    try {
      offset = await journal();
    } catch (err) {
      await this.states.delete(this.link.names.deadLetterKey(flow, id), { previousSeq: revision }).catch(() => undefined);
      throw err;
    }
    await this.states.update(this.link.names.deadLetterKey(flow, id), Buffer.from(JSON.stringify({ state: 'replayed', at: Date.now(), offset } satisfies LetterState)), revision);
    return offset;
  }

  async discard(flow: string, id: number): Promise<void> {
    await this.claim(flow, id, { state: 'discarded', at: Date.now(), offset: null });
  }

  private async claim(flow: string, id: number, state: LetterState): Promise<number> {
    const key = this.link.names.deadLetterKey(flow, id);
    const value = Buffer.from(JSON.stringify(state));
    const current = await this.states.get(key);
    const held = current && current.operation === 'PUT' ? (current.json<LetterState>()) : undefined;
    try {
      if (!current) return await this.states.create(key, value);
      if (!held || staleClaim(held)) return await this.states.update(key, value, current.revision);
    } catch (err) {
      if (!isWrongSequence(err) && !/exists/i.test(String((err as Error).message))) throw err;
    }
    const now = await this.states.get(key);
    throw new DeadLetterNotPendingError(id, now?.operation === 'PUT' ? now.json<LetterState>().state : 'replayed');
  }

  private async letter(flow: string, id: number, data: Uint8Array): Promise<DeadLetter & { stage: number; partition: number }> {
    const stored = JSON.parse(Buffer.from(data).toString('utf8')) as StoredLetter;
    const entry = await this.states.get(this.link.names.deadLetterKey(flow, id));
    const held = entry && entry.operation === 'PUT' ? entry.json<LetterState>() : undefined;
    return {
      id, nodeId: stored.node, offset: stored.offset, error: stored.error, attempts: stored.attempts,
      createdAt: stored.createdAt, state: held && !staleClaim(held) ? held.state : 'pending', records: stored.records,
      stage: stored.stage, partition: stored.partition,
    };
  }
}

function staleClaim(state: LetterState): boolean {
  return state.state === 'replayed' && state.offset === null && Date.now() - state.at > STALE_CLAIM_MS;
}

import { randomBytes } from 'node:crypto';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { NatsLink } from '../../cluster/nats-link.js';
import { isWrongSequence } from '../../cluster/nats-link.js';
import type { DataRecord } from '../../core/types.js';
import { JournalFencedError, JournalUnavailableError } from '../errors.js';
import { encodeEntry, type NewEntry } from './entry-codec.js';

/** An entry encoded as one message or more. */
export type Prepared = { headers: MsgHdrs; body: Uint8Array }[];

/** A PubAck, and whether it answered a retry (an earlier attempt of the same append may have been stored). */
interface Ack { stream: string; seq: number; duplicate: boolean; retried: boolean }

/** Room left in a message for its headers and the protocol line. */
const HEADROOM = 8 * 1024;
/** How long an append keeps retrying a lost PubAck (same message id, so it is stored once) before it fails. */
const RETRY_FOR_MS = 15_000;
const ACK_TIMEOUT_MS = 5_000;

/**
 * Publishes journal entries and returns only after JetStream's PubAck, i.e. after the quorum of the stream's
 * replicas stored them. Every message carries a message id (`Nats-Msg-Id`) that a retry reuses, so a retry after
 * a lost PubAck is stored once (within the stream's duplicate window: 10 minutes on the journal's streams).
 */
export class EntryPublisher {
  private readonly incarnation = randomBytes(6).toString('base64url');
  private counter = 0;

  constructor(private readonly link: NatsLink, private readonly writer: string) {}

  /**
   * Publishes the entry, split into several when it exceeds the servers' `max_payload`; the source state rides on
   * the last piece only, so a cursor never passes records that are not stored. Returns the sequence of each piece.
   */
  /**
   * `idempotency.id` replaces the generated message id (`<id>.<piece>`): an entry whose id is already stored is
   * then dropped by JetStream, if `redelivery` says the sender repeats itself; a fresh entry is stored under a new id.
   */
  publish(subject: string, entry: NewEntry, expectLastSeq?: number, idempotency?: { id: string; redelivery: boolean }): Promise<number[]> {
    return this.send(subject, this.prepare(entry), expectLastSeq, idempotency);
  }

  /** Encodes (and splits) an entry now, so the work overlaps with the wait for an earlier append's PubAck. */
  prepare(entry: NewEntry): Prepared {
    return [...this.fit(entry)];
  }

  async send(subject: string, pieces: Prepared, expectLastSeq?: number, idempotency?: { id: string; redelivery: boolean }): Promise<number[]> {
    const seqs: number[] = [];
    let expect = expectLastSeq;
    let piece = 0;
    for (const { headers, body } of pieces) {
      const given = idempotency && `${idempotency.id}.${piece++}`;
      let ack = await this.sendOne(subject, headers, body, expect, given);
      if (ack.duplicate && idempotency && !idempotency.redelivery && !(await this.ownEarlierAttempt(ack, subject, headers))) {
        ack = await this.sendOne(subject, headers, body, expect);
      }
      seqs.push(ack.seq);
      if (expect !== undefined) expect = ack.seq;
    }
    return seqs;
  }

  /** The encoded entry when it fits; otherwise its records halved until every piece does. */
  private *fit(entry: NewEntry): Generator<{ headers: MsgHdrs; body: Uint8Array }> {
    const encoded = encodeEntry(entry);
    const count = entry.parts.reduce((n, part) => n + part.length, 0);
    if (encoded.body.length <= this.link.maxPayload - HEADROOM || count <= 1) {
      yield encoded;
      return;
    }
    const half = (part: readonly DataRecord[]): [readonly DataRecord[], readonly DataRecord[]] => {
      const mid = Math.ceil(part.length / 2);
      return [part.slice(0, mid), part.slice(mid)];
    };
    const split = entry.parts.map(half);
    yield* this.fit({ ...entry, parts: split.map((s) => s[0]), state: undefined });
    yield* this.fit({ ...entry, parts: split.map((s) => s[1]) });
  }

  /**
   * Whether a duplicate answer names a message this very call stored: an attempt whose PubAck was lost (a NATS
   * server killed) may have been stored, and its retry is then answered "duplicate" with that message's sequence.
   * Storing the entry again under a fresh id would journal it twice. The journal time (`S-T`, set once per entry)
   * and the subject (the writer) tell our attempt from an earlier delivery that carried the same id.
   */
  private async ownEarlierAttempt(ack: Ack, subject: string, headers: MsgHdrs): Promise<boolean> {
    if (!ack.retried) return false;
    const stored = await this.link.readSoon((jsm) => jsm.streams.getMessage(ack.stream, { seq: ack.seq }))
      .catch((err: unknown) => { throw new JournalUnavailableError(`cannot tell whether a retried append was stored: ${(err as Error).message}`); });
    return !!stored && stored.subject === subject && stored.header.get('S-T') === headers.get('S-T');
  }

  private async sendOne(subject: string, headers: MsgHdrs, body: Uint8Array, expectLastSeq: number | undefined, id?: string): Promise<Ack> {
    if (body.length > this.link.maxPayload - HEADROOM / 2) {
      throw new Error(`a single record of ${body.length} bytes exceeds the NATS servers' max_payload (${this.link.maxPayload} bytes)`);
    }
    const msgID = id ?? `${this.writer}.${this.incarnation}.${++this.counter}`;
    const deadline = Date.now() + RETRY_FOR_MS;
    for (let attempt = 0; ; attempt++) {
      if (!this.link.connected) throw new JournalUnavailableError('not connected to NATS');
      try {
        const ack = await this.link.js.publish(subject, body, {
          msgID, headers, timeout: ACK_TIMEOUT_MS,
          ...(expectLastSeq === undefined ? {} : { expect: { lastSubjectSequence: expectLastSeq } }),
        });
        return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate, retried: attempt > 0 };
      } catch (err) {
        if (isWrongSequence(err)) throw new JournalFencedError(`another writer appended to ${subject}`);
        if (Date.now() > deadline) throw new JournalUnavailableError((err as Error).message);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }
}

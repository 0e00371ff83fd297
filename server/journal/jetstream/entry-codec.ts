import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { DataRecord } from '../../core/types.js';
import { RecordsNotJsonError, whyNotJson } from '../errors.js';
import type { EntryKind } from '../journal.js';

/**
 * How a journal entry is one JetStream message: the one place that knows the encoding.
 *
 * Headers: `S-K` kind (d data, t tick, r replay), `S-N` node, `S-P` port (absent: `out`), `S-T` journal time (ms),
 * `S-L` layout: the byte length of each partition's slice of the body, comma-separated, then `;` and the length of
 * the source state when one is attached; `S-A` the only partition a tick or replay is for; `S-O` where a stage
 * boundary's records came from (`<partition>:<seq>` of the stage before).
 *
 * Body: each partition's records as one JSON array, one after the other, then the source state as JSON. A reader
 * decodes only its own partition's slice.
 */
export interface EntryHeader {
  kind: EntryKind;
  node: string;
  port: string;
  ts: number;
  /** Byte length of each partition's slice (as many as the writer's partitions). */
  slices: number[];
  stateBytes: number;
  target: number | undefined;
  origin: { partition: number; seq: number } | undefined;
}

export interface NewEntry {
  kind: EntryKind;
  node: string;
  port: string;
  ts: number;
  /** Records per partition (one element when the stage has one partition, or for a targeted entry). */
  parts: readonly (readonly DataRecord[])[];
  state?: unknown;
  target?: number;
  origin?: { partition: number; seq: number };
}

const KINDS: { [k in EntryKind]: string } = { data: 'd', tick: 't', replay: 'r' };
const KIND_OF: { [code: string]: EntryKind } = { d: 'data', t: 'tick', r: 'replay' };

/** The subject token of an entry's kind. */
export const kindToken = (kind: EntryKind): string => KINDS[kind];

export function encodeEntry(entry: NewEntry): { headers: MsgHdrs; body: Uint8Array } {
  const chunks: Buffer[] = entry.parts.map((records) => {
    try {
      return Buffer.from(JSON.stringify(records));
    } catch (err) {
      // As in the SQLite journal: records JSON cannot hold are refused for good, so the source sets them aside.
      throw new RecordsNotJsonError(whyNotJson(records, err));
    }
  });
  let layout = chunks.map((c) => c.length).join(',');
  if (entry.state !== undefined) {
    const state = Buffer.from(JSON.stringify(entry.state));
    chunks.push(state);
    layout += `;${state.length}`;
  }
  const h = natsHeaders();
  h.set('S-K', KINDS[entry.kind]);
  h.set('S-N', entry.node);
  if (entry.port !== 'out') h.set('S-P', entry.port);
  h.set('S-T', String(entry.ts));
  h.set('S-L', layout);
  if (entry.target !== undefined) h.set('S-A', String(entry.target));
  if (entry.origin) h.set('S-O', `${entry.origin.partition}:${entry.origin.seq}`);
  return { headers: h, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
}

export function decodeHeader(h: MsgHdrs | undefined): EntryHeader {
  if (!h) throw new Error('journal message without headers');
  const [sliceText, stateText] = h.get('S-L').split(';');
  const target = h.get('S-A');
  const origin = h.get('S-O');
  const sep = origin.indexOf(':');
  return {
    kind: KIND_OF[h.get('S-K')] ?? 'data',
    node: h.get('S-N'),
    port: h.get('S-P') || 'out',
    ts: Number(h.get('S-T')),
    slices: sliceText ? sliceText.split(',').map(Number) : [],
    stateBytes: stateText ? Number(stateText) : 0,
    target: target === '' ? undefined : Number(target),
    origin: origin === '' ? undefined : { partition: Number(origin.slice(0, sep)), seq: Number(origin.slice(sep + 1)) },
  };
}

const asBuffer = (data: Uint8Array): Buffer => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/** The records of one partition's slice. */
export function sliceRecords(data: Uint8Array, header: EntryHeader, index: number): DataRecord[] {
  let start = 0;
  for (let i = 0; i < index; i++) start += header.slices[i]!;
  const length = header.slices[index] ?? 0;
  if (length <= 2) return [];
  return JSON.parse(asBuffer(data).toString('utf8', start, start + length)) as DataRecord[];
}

/** Every record of the entry, whatever partition it was written for (exports, and readers of another partition count). */
export function allRecords(data: Uint8Array, header: EntryHeader): DataRecord[] {
  const out: DataRecord[] = [];
  for (let i = 0; i < header.slices.length; i++) for (const r of sliceRecords(data, header, i)) out.push(r);
  return out;
}

export function entryState(data: Uint8Array, header: EntryHeader): unknown {
  if (header.stateBytes === 0) return undefined;
  const start = header.slices.reduce((a, b) => a + b, 0);
  return JSON.parse(asBuffer(data).toString('utf8', start, start + header.stateBytes));
}

/** A slice of no records: `[]`. */
const EMPTY_SLICE = 2;

/**
 * Whether an entry may hold records for `partition`, told by its headers alone (a headers-only read). An entry
 * written when the stage had another number of partitions says only whether it holds records at all.
 */
export function mayHoldRecords(header: EntryHeader, partition: number, partitions: number): boolean {
  if (header.target !== undefined) return header.target === partition && (header.slices[0] ?? 0) > EMPTY_SLICE;
  if (header.slices.length === partitions) return (header.slices[partition] ?? 0) > EMPTY_SLICE;
  return header.slices.some((n) => n > EMPTY_SLICE);
}

import { createReadStream, statSync } from 'node:fs';
import type { DataRecord, NodeContext } from '../../server/core/types.js';
import { parseStream, type ParseOptions, type RowIssue } from './records/index.js';

/** A file whose records are being journaled: `next` items are done, and the records among the items before `outUpTo`. */
interface Active {
  key: string;
  sha256: string;
  path: string;
  format: ParseOptions;
  next: number;
  outUpTo: number;
}

/** Committed with every append (the node's `sourceState`). */
interface IngestState {
  /** Recently completed files as `[key, sha256]`, oldest first: the duplicate check. */
  done: [string, string][];
  active: Active[];
}

export interface IngestResult {
  /** The same name and content was ingested before: nothing was journaled. */
  duplicate: boolean;
}

export interface FileToIngest {
  /** Names the file in duplicate checks and in invalid records (e.g. `user/dir/file.csv`). */
  key: string;
  sha256: string;
  path: string;
  format: ParseOptions;
}

/**
 * An append is cut at this much of the file too, whatever `chunkRecords` says. Records held until their
 * commit must die young: a chunk that outlives a couple of V8 scavenges is promoted to the old
 * generation, which is collected lazily, and the heap then grows by several times the chunk
 * (measured on a 200 MB upload: 256 KB appends, RSS +35 MB; 1 MB appends, +150 MB).
 */
const CHUNK_BYTES = 256 * 1024;
/** Small reads, so the chunk bounds are checked often. */
const READ_BYTES = 64 * 1024;

export interface IngestorOptions {
  /** Records (or invalid rows) per append, at most; an append also holds at most about CHUNK_BYTES of the file. */
  chunkRecords: number;
  /** How many completed files are remembered for the duplicate check. */
  remember: number;
  /** Ingest a file again even when the same name and content was ingested before. */
  allowDuplicates: boolean;
  /** After each commit: how many records went to `out` or `invalid` (also of files that then fail). */
  committed(port: 'out' | 'invalid', count: number): void;
}

function readState(raw: unknown): IngestState {
  const s = raw as Partial<IngestState> | undefined;
  return { done: Array.isArray(s?.done) ? s.done : [], active: Array.isArray(s?.active) ? s.active : [] };
}

/**
 * Journals whole files exactly once. A file is fully on disk (fsynced) before its first append, and
 * every append commits the file's cursor with it, so after a crash the file is finished from its
 * stored copy, skipping what was committed: nothing is lost and nothing is journaled twice. The last
 * append records the file's name and hash, which later uploads of the same content are checked against.
 * Files are ingested one at a time because the cursor of all files travels in one `sourceState`.
 */
export class FileIngestor {
  private state: IngestState;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly ctx: NodeContext, private readonly options: IngestorOptions) {
    this.state = readState(ctx.sourceState());
  }

  /** Files whose ingestion a crash or a refusal interrupted. */
  interrupted(): FileToIngest[] {
    return this.state.active.map(({ key, sha256, path, format }) => ({ key, sha256, path, format }));
  }

  /** The SHA-256 of the file at `path` whose ingestion is unfinished, if any: its stored copy must not be replaced by other content. */
  interruptedAt(path: string): string | undefined {
    return this.state.active.find((a) => a.path === path)?.sha256;
  }

  isDuplicate(key: string, sha256: string): boolean {
    return !this.options.allowDuplicates && this.state.done.some(([k, h]) => k === key && h === sha256);
  }

  /** Resolves once the file's records are committed; rejects (e.g. `JOURNAL_FULL`) leaving a cursor to resume from. */
  ingest(file: FileToIngest): Promise<IngestResult> {
    const run = this.queue.then(() => this.run(file));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async run(file: FileToIngest): Promise<IngestResult> {
    if (this.isDuplicate(file.key, file.sha256)) return { duplicate: true };
    const resumed = this.state.active.find((a) => a.key === file.key && a.sha256 === file.sha256);
    const active: Active = resumed ?? { ...file, next: 0, outUpTo: 0 };
    const others = this.state.active.filter((a) => a !== resumed);
    const withCursor = (next: number, outUpTo: number): IngestState =>
      ({ done: this.state.done, active: [...others, { ...active, next, outUpTo }] });

    let index = 0;
    let out: DataRecord[] = [];
    let bad: DataRecord[] = [];
    let inFlight: Promise<void> = Promise.resolve();
    const fileName = file.key;

    const commit = async (records: DataRecord[], port: 'out' | 'invalid', state: IngestState): Promise<void> => {
      await this.ctx.append(records, { port, sourceState: state });
      this.state = state;
      this.options.committed(port, records.length);
    };
    // One chunk in flight while the next is parsed; a chunk is sent only after the previous committed,
    // so the cursor committed with it never runs ahead of what is in the journal.
    const flush = async (last: boolean): Promise<void> => {
      const o = out;
      const b = bad;
      out = [];
      bad = [];
      const at = index;
      await inFlight;
      const finalState = (): IngestState => ({ done: this.remember(file), active: others });
      let sent: Promise<void>;
      if (b.length === 0) {
        sent = commit(o, 'out', last ? finalState() : withCursor(at, at));
      } else {
        const before = o.length > 0 ? commit(o, 'out', withCursor(active.next, at)) : Promise.resolve();
        sent = before.then(() => commit(b, 'invalid', last ? finalState() : withCursor(at, at)));
      }
      active.next = at;
      active.outUpTo = at;
      inFlight = sent;
      // The next flush, or the end of the file, awaits it and throws its error (e.g. JOURNAL_FULL); until
      // then a rejection must not count as unhandled, which would end the process.
      sent.catch(() => undefined);
      if (last) await sent;
    };

    const skipRecordsBefore = active.outUpTo;
    const skipIssuesBefore = active.next;
    const sink = {
      record: (r: DataRecord): void => {
        if (index++ >= skipRecordsBefore) out.push(r);
      },
      invalid: (issue: RowIssue): void => {
        if (index++ >= skipIssuesBefore) bad.push({ file: fileName, ...issue });
      },
    };
    if (statSync(file.path).size === 0) sink.invalid({ line: 1, reason: 'empty file: no records', kind: 'syntax' });
    const size = this.options.chunkRecords;
    let bytes = 0;
    const afterChunk = (read: number): Promise<void> | undefined => {
      bytes += read;
      if (out.length < size && bad.length < size && bytes < CHUNK_BYTES) return undefined;
      bytes = 0;
      // While a resumed file skips what was committed there is nothing to append.
      return out.length + bad.length > 0 ? flush(false) : undefined;
    };
    const source = createReadStream(file.path, { highWaterMark: READ_BYTES });
    try {
      await parseStream(source, file.format, sink, afterChunk);
      await flush(true);
    } finally {
      source.destroy();
      await inFlight.catch(() => undefined);
    }
    return { duplicate: false };
  }

  private remember(file: FileToIngest): [string, string][] {
    const done = this.state.done.filter(([k]) => k !== file.key);
    done.push([file.key, file.sha256]);
    return done.slice(-this.options.remember);
  }
}

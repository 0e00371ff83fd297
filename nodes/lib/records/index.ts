/**
 * Streaming record parsers shared by the nodes that receive files or bodies (FTP receiver, HTTP in):
 * CSV, JSON (one object or an array) and NDJSON. A parser is fed bytes with `push` and reports each
 * record or each bad row (`RowIssue`, with its line) to a sink, in order, synchronously; it holds at most
 * one row or element in memory, so file size does not matter.
 */
import { CsvParser } from './csv.js';
import { JsonArrayParser } from './json-array.js';
import { NdjsonParser } from './ndjson.js';
import type { ParseOptions, RecordParser, RecordSink } from './types.js';

export type { CsvOptions, JsonOptions, ParseOptions, RecordFormat, RecordParser, RecordSink, RowIssue, TimestampOption } from './types.js';
export { TIMESTAMP_FORMATS, timestampParser, type TimestampFormat } from './timestamp.js';

export function createParser(options: ParseOptions, sink: RecordSink): RecordParser {
  switch (options.format) {
    case 'csv': return new CsvParser(options, sink);
    case 'json': return new JsonArrayParser(options, sink);
    case 'ndjson': return new NdjsonParser(options, sink);
  }
}

/**
 * Parses a byte stream to the end. `afterChunk` runs after each chunk was parsed, with the chunk's
 * size (0 after the end), and may return a promise: the next chunk is read only when it resolves,
 * which is how a caller applies backpressure (e.g. waits for a journal commit once it holds enough records).
 */
export async function parseStream(
  source: AsyncIterable<Uint8Array>, options: ParseOptions, sink: RecordSink, afterChunk?: (bytes: number) => void | Promise<void>,
): Promise<void> {
  const parser = createParser(options, sink);
  for await (const chunk of source) {
    parser.push(chunk);
    if (afterChunk) await afterChunk(chunk.byteLength);
  }
  parser.end();
  if (afterChunk) await afterChunk(0);
}

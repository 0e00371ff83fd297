/**
 * zlib reports a damaged gzip body in its own words (`incorrect header check`, `unexpected end of
 * file`), which tell a sender nothing; these say what is wrong with the body.
 */

/** True for the errors zlib raises while decompressing (Z_DATA_ERROR, Z_BUF_ERROR, …). */
export function isZlibError(err: unknown): err is Error & { code: string } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && (err as unknown as { code: string }).code.startsWith('Z_');
}

/** `the gzip body is corrupt: it ends before the compressed data does (truncated?)` */
export function gzipCorruption(err: Error & { code: string }): string {
  let why: string;
  if (err.code === 'Z_BUF_ERROR') why = 'it ends before the compressed data does (truncated, or empty)';
  else if (/header/.test(err.message)) why = 'it does not start with a gzip header, or has data after its end';
  else if (/data check|length check/.test(err.message)) why = 'its checksum does not match its content (damaged in transit?)';
  else why = 'it cannot be decompressed';
  return `the gzip body is corrupt: ${why}`;
}

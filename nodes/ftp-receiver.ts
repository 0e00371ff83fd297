import { Type } from '@sinclair/typebox';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, realpathSync } from 'node:fs';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { FtpSrv } from 'ftp-srv';
import { defineNode } from '../server/core/define-node.js';
import { SafeName } from '../server/core/names.js';
import { FileIngestor, type FileToIngest } from './lib/file-ingest.js';
import { CsvConfig, MaxRecordBytes, TimestampConfig, formatOfName, parseOptions } from './lib/record-format.js';
import { isJournalFull } from './lib/source-appender.js';
import type { JailFs, Refusal } from './ftp/jail-fs.js';
import { scrubServerPaths } from './ftp/replies.js';
import type { Connection } from './ftp/server.js';
import { UploadStream, removePartials, syncDir, type StoredFile } from './ftp/upload-stream.js';

const config = Type.Object({
  host: Type.String({ title: 'Host', default: '127.0.0.1', description: 'Address the control connection listens on.' }),
  port: Type.Integer({ title: 'Port', default: 2121, minimum: 0, maximum: 65535, description: 'Control port; 0 picks a free one (the `address` query tells which).' }),
  pasvUrl: Type.String({ title: 'Passive address', default: '127.0.0.1', description: 'Address advertised to clients for passive data connections (required by ftp-srv for passive mode).' }),
  pasvMin: Type.Integer({ title: 'Passive port, lowest', default: 30000, minimum: 1024, maximum: 65535, description: 'Lowest passive data port.' }),
  pasvMax: Type.Integer({ title: 'Passive port, highest', default: 30100, minimum: 1024, maximum: 65535, description: 'Highest passive data port.' }),
  users: Type.Array(Type.Object({
    name: SafeName({ title: 'Name', description: 'Login name (letters, digits, `_`, `-`, `.`; not `.`, `..` or a device name); the user is jailed to `users/<name>/` in the node\'s data directory.' }),
    password: Type.String({ title: 'Password', minLength: 1, description: 'Password: use a secret reference, e.g. `${secret:ftp_site_a}`.' }),
  }, { additionalProperties: false }), { title: 'Users', minItems: 1, description: 'Accounts allowed to upload. There is no anonymous login.' }),
  tls: Type.Optional(Type.Object({
    cert: Type.String({ title: 'TLS certificate', minLength: 1, description: 'PEM certificate (chain).' }),
    key: Type.String({ title: 'Key', minLength: 1, description: 'PEM private key: use a secret reference.' }),
    required: Type.Boolean({ title: 'Required', default: true, description: 'Refuse logins that did not switch to TLS first (`AUTH TLS`).' }),
  }, { title: 'TLS', additionalProperties: false, description: 'Explicit FTPS (AUTH TLS) on the same port.' })),
  maxFileBytes: Type.Integer({ title: 'Max file (bytes)', default: 2 * 1024 ** 3, minimum: 1, description: 'Largest accepted file; a bigger upload is cut off, removed and answered 550.' }),
  completion: Type.Union([Type.Literal('close'), Type.Literal('rename'), Type.Literal('manifest')], { title: 'Completion', default: 'close', description: 'When a file counts as complete: `close` (end of the data connection), `rename` (renamed from a temporary name), `manifest` (a `<file>.sha256` manifest arrived and matches). See the docs for what each guarantees.' }),
  tempSuffixes: Type.Array(Type.String({ minLength: 1 }), { title: 'Temp suffixes', default: ['.tmp', '.part', '.filepart'], description: 'Names ending like this are temporary: stored, not ingested, until renamed to a final name.' }),
  format: Type.Union([Type.Literal('auto'), Type.Literal('csv'), Type.Literal('json'), Type.Literal('ndjson')], { title: 'Format', default: 'auto', description: '`auto` goes by extension: .csv/.txt, .json, .ndjson/.jsonl.' }),
  csv: CsvConfig,
  timestamp: Type.Optional(TimestampConfig),
  maxRecordBytes: MaxRecordBytes,
  chunkRecords: Type.Integer({ title: 'Chunk records', default: 5_000, minimum: 1, maximum: 200_000, description: 'Records per journal append while a file is ingested, at most; an append also holds at most about 256 KB of the file, which keeps memory low.' }),
  duplicates: Type.Union([Type.Literal('skip'), Type.Literal('ingest')], { title: 'Duplicates', default: 'skip', description: '`skip`: a file with the same name and content as one already ingested is reported, not ingested again.' }),
  rememberFiles: Type.Integer({ title: 'Remember files', default: 1000, minimum: 1, maximum: 100_000, description: 'How many ingested files the duplicate check remembers.' }),
}, { additionalProperties: false });

interface Counters {
  files: number;
  records: number;
  invalid: number;
  duplicates: number;
  failedUploads: number;
  refused: { [why in Refusal | 'anonymous' | 'password' | 'port' | 'tls']: number };
}

const MANIFEST = '.sha256';
const ANONYMOUS = new Set(['anonymous', 'ftp']);

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

async function sha256Of(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
}

export default defineNode({
  type: 'ftp-receiver',
  category: 'source',
  label: 'FTP receiver',
  inputs: {},
  outputs: {
    out: 'one record per row (CSV) or object (JSON, NDJSON) of each uploaded file',
    invalid: 'rows that could not be read: { file, line, column?, reason, raw, kind }',
  },
  config,
  clusterMode: 'every-server',
  docs: `An FTP server (ftp-srv) that loggers upload files to; each file's rows become records.

**Accounts.** Each user logs in with a password (a secret reference) and sees only its own directory,
\`users/<name>/\` under the node's data directory. Anonymous logins, wrong passwords, paths leaving the
directory (\`../\`, symlinks — real paths are checked, not just names) and active mode (\`PORT\`/\`EPRT\`,
always refused: use passive mode) are refused and counted (\`stats\` query). With \`tls\`, clients switch to
TLS with \`AUTH TLS\` (explicit FTPS); \`required\` refuses those that do not.

**Formats.** CSV (delimiter, header or \`columns\`, \`decimalComma\`, \`numeric\` columns), a JSON array (or
one object) and NDJSON, chosen by \`format\` or the file extension. \`timestamp\` turns the time field into
epoch milliseconds (\`iso8601\` with a zone, \`epoch-s\`, \`epoch-ms\`, \`epoch-ns\`). Files are UTF-8 (a byte
order mark is accepted) or UTF-16/UTF-32, recognised by their byte order mark or their NUL bytes and decoded
(Excel's "Unicode text" is UTF-16). Files are streamed: a 1 GB file is never held in memory.

**Bad rows** go to \`invalid\` as \`{ file, line, column, reason, raw, kind }\` (e.g. \`line 7, column "value":
"21,5" is not a number (decimal comma? set decimalComma)\`); the good rows of the same file are ingested.
A row longer than \`maxRecordBytes\` or an unterminated quote is one invalid entry, and reading resumes on the
next line. A JSON row nested deeper than 64 levels or holding a \`__proto__\` key is one invalid entry with its
line; a number beyond a double (\`1e400\`) is kept as \`{"$number": "1e400"}\`. A CSV header that cannot be read
(not text, a stray quote, a repeated or \`__proto__\` column) makes every row invalid with that reason: no data
row is ever taken for the header.

**When is a file ingested, and what does 226 mean.** The upload is written to a hidden partial file, fsynced
and renamed; its records are journaled; only then does the server answer \`226\`. A failed upload (connection
reset, size limit, disk full, a crash of the server) leaves no file and no records. But FTP cannot tell a
client that closed the data connection early from a finished upload, so \`completion\` says what counts as
complete:
- \`close\`: every upload when its data connection ends. A client that stops early cleanly gets a truncated
  file ingested (its cut last row goes to \`invalid\`).
- \`rename\`: upload under a temporary name (\`data.csv.tmp\`), then \`RNFR/RNTO\` to the final name; the file is
  ingested on the rename, before its \`250\`. Uploads under a final name are refused. Safe against early closes
  for clients that rename only after a successful transfer (most loggers, \`lftp\`, WinSCP).
- \`manifest\`: upload \`data.csv\`, then \`data.csv.sha256\` (\`sha256sum\` format: \`<hex>  data.csv\`); the file is
  ingested when the manifest arrives and its size/hash matches, before the manifest's \`226\`; a mismatch answers
  \`550\` and ingests nothing. The strongest: it detects truncation and corruption.
In every mode a temporary name renamed to a final one is ingested on the rename.

**Exactly once per file.** Each append (\`chunkRecords\` records or about 256 KB of the file) commits the
file's cursor with it; after a crash the file is finished from its stored copy, skipping what was committed
(the client, which got no \`226\`, may upload again: that copy is recognised by name and SHA-256; an upload
the crash cut short left only a partial file, removed when the node starts). Re-uploading a file with the
same name and content as one already ingested answers \`226 … already ingested\` and is counted in
\`duplicates\`, unless \`duplicates\` is \`ingest\`. When the journal is full the upload is answered \`452\`
(retry later); what was journaled of it stays, and the retried upload continues where it stopped. Until a
file interrupted like this is finished, an upload of different content under its name is refused
(\`550 … partly ingested\`): upload the same content again, or use another name.

Example: \`{ "port": 2121, "pasvUrl": "192.0.2.10", "users": [{ "name": "site-a", "password": "\${secret:ftp_site_a}" }],
"csv": { "delimiter": ";", "decimalComma": true }, "timestamp": { "field": "time", "format": "iso8601" } }\``,

  async create(cfg, ctx) {
    // ftp-srv is loaded by the first FTP receiver deployed: a runtime without one does not carry it in memory.
    const [{ JailFs, jailRoot }, { startFtpServer }] = await Promise.all([import('./ftp/jail-fs.js'), import('./ftp/server.js')]);
    const counters: Counters = {
      files: 0, records: 0, invalid: 0, duplicates: 0, failedUploads: 0,
      refused: { traversal: 0, symlink: 0, anonymous: 0, password: 0, port: 0, tls: 0 },
    };
    const passwords = new Map(cfg.users.map((u) => [u.name, digest(u.password)]));
    const ingestor = new FileIngestor(ctx, {
      chunkRecords: cfg.chunkRecords, remember: cfg.rememberFiles, allowDuplicates: cfg.duplicates === 'ingest',
      committed: (port, count) => { counters[port === 'out' ? 'records' : 'invalid'] += count; },
    });
    // What the next reply of a connection should say instead (452 for a full journal, the duplicate note).
    const replyNotes = new WeakMap<Connection, { code: number; replace: number; message: string }>();
    /** Each logged-in connection's own directory: replies show paths relative to it, never server paths. */
    const roots = new WeakMap<Connection, string[]>();
    const usersDir = (): string => join(ctx.dataDir, 'users');
    let nodeDirs: string[] | undefined;
    let server: FtpSrv | undefined;
    let port = 0;
    let lastStatus = 0;

    const isTemp = (name: string): boolean => cfg.tempSuffixes.some((s) => name.endsWith(s));
    const refuse = (why: keyof Counters['refused'], detail: string, from?: string): void => {
      counters.refused[why]++;
      ctx.log.warn('ftp request refused', { why, detail, from });
    };
    const showStatus = (force = false): void => {
      const now = Date.now();
      if (!force && now - lastStatus < 500) return;
      lastStatus = now;
      ctx.status({ state: 'running', text: `ftp://${cfg.host}:${port} · ${counters.files} files, ${counters.records} records, ${counters.invalid} invalid` });
    };

    function fileFor(user: string, clientPath: string, stored: { path: string; sha256: string }, formatName: string): FileToIngest {
      const format = cfg.format === 'auto' ? formatOfName(formatName) : cfg.format;
      if (!format) throw new Error(`cannot tell the format of ${basename(formatName)}: use .csv, .json or .ndjson, or set the node's format`);
      return { key: `${user}${clientPath}`, sha256: stored.sha256, path: stored.path, format: parseOptions(format, cfg.csv, cfg.timestamp, cfg.maxRecordBytes) };
    }

    async function ingest(connection: Connection, file: FileToIngest): Promise<void> {
      try {
        const result = await ingestor.ingest(file);
        if (result.duplicate) {
          counters.duplicates++;
          ctx.log.info('duplicate upload not ingested again', { file: file.key, sha256: file.sha256 });
          replyNotes.set(connection, { code: 226, replace: 226, message: `${basename(file.key)} already ingested (same name and content): not ingested again` });
        } else {
          counters.files++;
        }
        showStatus(true);
      } catch (err) {
        if (isJournalFull(err)) {
          replyNotes.set(connection, { code: 550, replace: 452, message: 'journal full: upload again later' });
          ctx.status({ state: 'refused', text: (err as Error).message });
        }
        throw err;
      }
    }

    async function verifyManifest(connection: Connection, user: string, fs: JailFs, manifestClientPath: string, manifest: StoredFile): Promise<void> {
      const text = (await readFile(manifest.path, 'utf8')).trim();
      const m = /^([0-9a-f]{64})\s+\*?(.+)$/i.exec(text);
      if (!m) throw new Error('manifest must read "<sha256 hex>  <file name>"');
      const named = m[2]!.trim();
      // The manifest names a file next to it: a path in it would reach elsewhere.
      if (named === '.' || named === '..' || /[/\\\0]/.test(named)) throw new Error(`the manifest must name a file next to it, not the path "${named}"`);
      // Resolved by the jail like any client path (real paths checked, symlinks included).
      const { clientPath: dataClient, fsPath: dataPath } = fs.resolve(posix.join(dirname(manifestClientPath), named));
      const actual = await sha256Of(dataPath).catch(() => undefined);
      if (!actual) throw new Error(`${basename(dataClient)} was not uploaded before its manifest`);
      if (actual.sha256 !== m[1]!.toLowerCase()) throw new Error(`${basename(dataClient)} does not match its manifest (got ${actual.size} bytes, sha256 ${actual.sha256})`);
      await ingest(connection, fileFor(user, dataClient, { path: dataPath, sha256: actual.sha256 }, dataClient));
    }

    // An interrupted file is finished from its stored copy (after a restart, or when uploaded again):
    // other content under its name would be read from the wrong cursor.
    function admit(path: string, sha256: string): void {
      const interrupted = ingestor.interruptedAt(path);
      if (interrupted !== undefined && interrupted !== sha256) {
        throw new Error(`${basename(path)} is partly ingested (a full journal or a crash interrupted it): upload the same content again to finish it, or use another name`);
      }
    }

    function jail(connection: Connection, user: string): JailFs {
      const fs: JailFs = new JailFs(connection as never, usersDir(), user, {
        refused: (kind, detail) => refuse(kind, detail, connection.ip),
        upload(fsPath, clientPath) {
          const name = basename(clientPath);
          const manifest = name.endsWith(MANIFEST);
          if (!manifest && !isTemp(name)) {
            if (cfg.completion === 'rename') throw new Error(`upload under a temporary name (${cfg.tempSuffixes[0]}) and rename it when complete`);
            if (cfg.format === 'auto' && !formatOfName(name)) throw new Error(`cannot tell the format of ${name}: use .csv, .json or .ndjson`);
          }
          return new UploadStream(fsPath, cfg.maxFileBytes, (file) => admit(file.path, file.sha256), async (file) => {
            if (manifest && cfg.completion === 'manifest') await verifyManifest(connection, user, fs, clientPath, file);
            else if (!manifest && !isTemp(name) && cfg.completion === 'close') await ingest(connection, fileFor(user, clientPath, file, name));
          });
        },
        async rename(from, to) {
          const fromTemp = isTemp(basename(from.clientPath));
          const toTemp = isTemp(basename(to.clientPath));
          if (ingestor.interruptedAt(to.fsPath) !== undefined) admit(to.fsPath, (await sha256Of(from.fsPath)).sha256);
          await rename(from.fsPath, to.fsPath);
          await syncDir(dirname(to.fsPath));
          if (!fromTemp || toTemp) return;
          const { sha256 } = await sha256Of(to.fsPath);
          await ingest(connection, fileFor(user, to.clientPath, { path: to.fsPath, sha256 }, to.clientPath));
        },
      });
      return fs;
    }

    async function login(connection: Connection, username: string, password: string): Promise<{ fs: unknown }> {
      if (ANONYMOUS.has(username.toLowerCase()) && !passwords.has(username)) {
        refuse('anonymous', username, connection.ip);
        throw new Error('Anonymous login is not allowed');
      }
      const expected = passwords.get(username);
      // Compare digests so the time taken depends neither on the password nor on whether the user exists.
      const given = digest(password);
      if (!timingSafeEqual(given, expected ?? digest(`\0${password}`)) || !expected) {
        refuse('password', username, connection.ip);
        throw new Error('Authentication failed');
      }
      if (cfg.tls?.required && !connection.secure) {
        refuse('tls', username, connection.ip);
        throw new Error('TLS required: send AUTH TLS first');
      }
      let root: string;
      try {
        root = jailRoot(usersDir(), username);
      } catch (err) {
        // Only a config that bypassed the schema gets here: a user name that is a path never logs in.
        refuse('traversal', username, connection.ip);
        ctx.log.error('ftp user name is not a safe name: login refused', { user: username, error: (err as Error).message });
        throw new Error('Authentication failed');
      }
      await mkdir(root, { recursive: true });
      roots.set(connection, [root, realpathOrSelf(root)]);
      connection.on('STOR', (error, path) => {
        if (error) {
          counters.failedUploads++;
          ctx.log.info('upload failed', { user: username, path, error: error.message });
        }
      });
      return { fs: jail(connection, username) };
    }

    function onConnect(connection: Connection): void {
      const commands = connection.commands;
      const handle = commands.handle.bind(commands);
      commands.handle = (command) => {
        const parsed = typeof command === 'string' ? commands.parse(command) : command;
        if (parsed.directive === 'PORT' || parsed.directive === 'EPRT') {
          refuse('port', parsed.arg ?? '', connection.ip);
          return connection.reply(502, 'Active mode is disabled: use passive mode (PASV/EPSV)');
        }
        return handle(parsed);
      };
      const reply = connection.reply.bind(connection);
      connection.reply = (options, ...letters) => {
        const code = typeof options === 'number' ? options : options.code;
        const note = replyNotes.get(connection);
        if (note && note.code === code) {
          replyNotes.delete(connection);
          return reply(note.replace, note.message);
        }
        return reply(options, ...letters.map((letter) => scrubLetter(connection, letter)));
      };
    }

    /** The last net under the protocol words: no reply text names a server path. */
    function scrubLetter(connection: Connection, letter: unknown): unknown {
      const root = roots.get(connection);
      nodeDirs ??= [ctx.dataDir, realpathOrSelf(ctx.dataDir)];
      // The user's own root (its paths become the client's `/…`), then the node's directory.
      const known = [...(root ?? []), ...nodeDirs];
      if (typeof letter === 'string') return scrubServerPaths(letter, known);
      if (letter !== null && typeof letter === 'object' && typeof (letter as { message?: unknown }).message === 'string' && !(letter as { raw?: unknown }).raw) {
        return { ...letter, message: scrubServerPaths((letter as { message: string }).message, known) };
      }
      return letter;
    }

    async function resumeInterrupted(): Promise<void> {
      for (const file of ingestor.interrupted()) {
        const exists = await stat(file.path).then(() => true, () => false);
        if (!exists) {
          ctx.log.error('an interrupted file is gone from disk and cannot be finished', { file: file.key, path: file.path });
          continue;
        }
        ctx.log.info('finishing a file interrupted by a crash or a full journal', { file: file.key });
        await ingestor.ingest(file);
        counters.files++;
      }
    }

    return {
      async start() {
        const removed = await removePartials(join(ctx.dataDir, 'users'));
        if (removed > 0) ctx.log.info('removed the partial files of uploads interrupted by a crash', { files: removed });
        const started = await startFtpServer({
          host: cfg.host, port: cfg.port, pasvUrl: cfg.pasvUrl, pasvMin: cfg.pasvMin, pasvMax: cfg.pasvMax,
          tls: cfg.tls && { cert: cfg.tls.cert, key: cfg.tls.key }, log: ctx.log, onConnect, login,
        });
        server = started.server;
        port = started.port;
        showStatus(true);
        resumeInterrupted().catch((err: unknown) => {
          ctx.log.error('could not finish an interrupted file', { error: err instanceof Error ? err.message : String(err) });
        });
      },
      async stop() {
        await server?.close();
        server = undefined;
      },
      queries: {
        address: () => ({ host: cfg.host, port }),
        stats: () => structuredClone(counters),
      },
    };
  },
});

import assert from 'node:assert/strict';
import { Client, type FTPResponse } from 'basic-ftp';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { FlowStatus, JournalExport } from '../server/runtime/api.js';
import { PASSWORD } from './helpers/ftp.js';
import { api, killHard, startServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const ROWS = 1_000_000;
const testNodes = fileURLToPath(new URL('./fixtures/test-nodes.js', import.meta.url));

async function writeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('key,ts,sensor,value\n');
  const t0 = Date.parse('2024-05-01T00:00:00Z');
  for (let i = 0; i < ROWS; i += 10_000) {
    let chunk = '';
    for (let j = i; j < i + 10_000; j++) chunk += `${j},${new Date(t0 + j * 100).toISOString()},s${j % 100},${(j % 1000) / 10}\n`;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A free TCP port: the FTP receiver must listen on the same port in every life of the server, as loggers are configured once. */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

/** How often each key occurs among `keys`; fails on a key the file never had. */
function tally(keys: Iterable<number>): Uint8Array {
  const seen = new Uint8Array(ROWS);
  for (const k of keys) {
    assert.ok(Number.isInteger(k) && k >= 0 && k < ROWS, `unexpected key ${k}`);
    seen[k] = Math.min(255, seen[k]! + 1);
  }
  return seen;
}

function* sinkKeys(file: string): Generator<number> {
  if (!existsSync(file)) return;
  for (const line of readFileSync(file, 'utf8').split('\n')) if (line) yield (JSON.parse(line) as { key: number }).key;
}

function* journalKeys(entries: JournalExport[]): Generator<number> {
  for (const e of entries) if (e.kind === 'data' && e.node === 'ftp' && e.port === 'out') for (const r of e.records) yield r.key as number;
}

async function journal(server: ServerProcess): Promise<JournalExport[]> {
  const res = await fetch(`${server.url}/api/flows/ftp-crash/journal?from=0&limit=100000`, { headers: server.auth });
  assert.equal(res.status, 200);
  return (await res.text()).split('\n').filter((l) => l).map((l) => JSON.parse(l) as JournalExport);
}

const status = (server: ServerProcess) => api<FlowStatus>(server, '/api/flows/ftp-crash/status');

/** The file as a logger on a slow link sends it: 256 KB every 10 ms. */
async function* slowly(file: string): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
    yield chunk as Buffer;
    await delay(10);
  }
}

/** One upload as a logger makes it: connect, STOR, and report what came back (a reply or the error). */
function uploadOnce(port: number, file: string, slow = false): { done: Promise<FTPResponse | Error>; settled: () => boolean } {
  let finished = false;
  const client = new Client(120_000);
  const done = (async () => {
    await client.access({ host: '127.0.0.1', port, user: 'site-a', password: PASSWORD });
    return client.uploadFrom(slow ? Readable.from(slowly(file)) : file, 'upload.csv');
  })().then((r) => r, (err: unknown) => err as Error).finally(() => {
    finished = true;
    client.close();
  });
  return { done, settled: () => finished };
}

/** A logger that never saw a 226 tries again until the server answers. */
async function uploadUntilAnswered(port: number, file: string): Promise<FTPResponse> {
  for (let attempt = 0; ; attempt++) {
    const result = await uploadOnce(port, file).done;
    if (!(result instanceof Error)) return result;
    if (attempt >= 50) throw result;
    await delay(200);
  }
}

const usersDir = (dataDir: string): string => join(dataDir, 'flows', 'ftp-crash', 'nodes', 'ftp', 'users', 'site-a');
const partials = (dataDir: string): string[] =>
  existsSync(usersDir(dataDir)) ? readdirSync(usersDir(dataDir)).filter((n) => n.endsWith('.upload')) : [];

test(`SIGKILL during the upload and again while a ${ROWS}-row CSV is journaled: after the logger's re-upload every row is journaled once and reaches the sink`, { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const csv = join(dir, 'upload.csv');
  await writeCsv(csv);
  const fileBytes = statSync(csv).size;
  const dataDir = join(dir, 'data');
  const sinkFile = join(dir, 'sink.ndjson');
  const ftpPort = await freePort();
  const flow = {
    sluice: 1, id: 'ftp-crash',
    nodes: [
      { id: 'ftp', type: 'ftp-receiver', config: { port: ftpPort, pasvMin: 35000, pasvMax: 35999, users: [{ name: 'site-a', password: PASSWORD }], csv: { numeric: ['key', 'value'] } } },
      { id: 'sink', type: 'test-sink', config: { file: sinkFile } },
    ],
    wires: [{ from: 'ftp', to: 'sink' }],
    settings: { checkpointIntervalMs: 200 },
  };
  const start = () => startServer(dataDir, ['--nodes', testNodes]);

  // Life 1: killed while the file is still arriving over a slow link.
  let server = await start();
  t.after(() => server.child.exitCode === null && server.child.signalCode === null ? killHard(server) : undefined);
  await api(server, '/api/flows/ftp-crash/deploy', { method: 'POST', body: flow });
  const first = uploadOnce(ftpPort, csv, true);
  // The partial file exists only until the upload is complete: its size says how far the server got.
  const stored = (): number => partials(dataDir).reduce((n, name) => n + (statSync(join(usersDir(dataDir), name), { throwIfNoEntry: false })?.size ?? 0), 0);
  let storedAtKill = 0;
  await waitFor('a third of the file stored', () => (storedAtKill = stored()) > fileBytes / 3 || first.settled(), 60_000);
  assert.equal(first.settled(), false, 'the upload was still running');
  await killHard(server);
  const firstResult = await first.done;
  assert.ok(firstResult instanceof Error, 'the logger got no 226 for the interrupted upload');

  // Life 2: killed while the stored file is journaled chunk by chunk, before the 226.
  server = await start();
  assert.equal((await status(server)).journal!.head, 0, 'an interrupted upload journals nothing');
  assert.deepEqual(partials(dataDir), [], 'the interrupted upload\'s partial file is removed at start');
  const second = uploadOnce(ftpPort, csv);
  const killAfter = 1 + Math.floor(Math.random() * 120);
  const life2 = server;
  let headAtKill = 0;
  await waitFor(`${killAfter} chunks journaled`, async () => {
    headAtKill = (await status(life2)).journal!.head;
    return headAtKill >= killAfter || second.settled();
  }, 120_000);
  assert.equal(second.settled(), false, `the upload was not answered yet when killed (head ${headAtKill})`);
  await killHard(server);
  assert.ok((await second.done) instanceof Error, 'the logger got no 226 for the upload being journaled');

  // Life 3: the node finishes the stored copy; the logger uploads the same file again.
  server = await start();
  const answer = await uploadUntilAnswered(ftpPort, csv);
  assert.equal(answer.code, 226, answer.message);
  const life3 = server;
  await waitFor('every row at the sink and a final checkpoint', async () => {
    const s = await status(life3);
    return s.journal!.checkpoint === s.journal!.head && tally(sinkKeys(sinkFile)).every((n) => n >= 1);
  }, 180_000);
  const entries = await journal(server);
  const stats = (await api<{ result: { files: number; records: number; duplicates: number } }>(server, '/api/flows/ftp-crash/nodes/ftp/query/stats')).result;
  assert.equal(await stopGracefully(server), 0, 'a graceful stop exits 0');

  const inJournal = tally(journalKeys(entries));
  const journaledOnce = inJournal.filter((n) => n === 1).length;
  assert.equal(journaledOnce, ROWS, `every row journaled exactly once (${inJournal.filter((n) => n === 0).length} missing, ${inJournal.filter((n) => n > 1).length} more than once)`);
  assert.ok(entries.every((e) => e.kind !== 'data' || e.port === 'out'), 'no row was invalid');
  const atSink = tally(sinkKeys(sinkFile));
  assert.ok(atSink.every((n) => n >= 1), 'every row reached the sink');
  const sinkLines = atSink.reduce((n, c) => n + c, 0);
  t.diagnostic(`killed with ${(storedAtKill / 1e6).toFixed(1)} of ${(fileBytes / 1e6).toFixed(1)} MB stored, then after ${headAtKill} journal entries; ` +
    `re-upload answered "${answer.message}"; journal: ${entries.length} entries, ${ROWS} rows each once; ` +
    `sink: ${sinkLines} lines (${sinkLines - ROWS} redelivered, at-least-once); stats after restart ${JSON.stringify(stats)}`);
});

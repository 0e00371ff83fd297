import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { PASSWORD, RawFtp, ftpClient, upload } from './helpers/ftp.js';
import { bad, csvRows, deploy, rows, stats } from './helpers/ftp-flow.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const run = promisify(execFile);

test('a CSV uploaded with basic-ftp is journaled before the 226; its bad rows go to invalid with file and line', async (t) => {
  const d = await deploy(t);
  const file = `ts,sensor,value\n${csvRows(3)}\n2024-05-01T00:01:00Z,s9,n/a\n2024-05-01 00:02:00,s9,1\n${csvRows(2, 10)}\n`;
  const answer = await upload(d.port, 'readings.csv', file);
  assert.match(answer, /^226/);
  // The 226 came after the commit: the counters already hold the file.
  assert.deepEqual({ files: stats(d).files, records: stats(d).records, invalid: stats(d).invalid }, { files: 1, records: 5, invalid: 2 });
  await waitFor('records delivered', () => rows().length === 5 && bad().length === 2);
  assert.deepEqual(rows()[0], { ts: Date.parse('2024-05-01T00:00:00Z'), sensor: 's0', value: 0 });
  assert.deepEqual(bad().map((b) => [b.file, b.line, b.column]), [['site-a/readings.csv', 5, 'value'], ['site-a/readings.csv', 6, 'ts']]);
  assert.match(String(bad()[0]!.reason), /"n\/a" is not a number/);
  assert.match(String(bad()[1]!.reason), /no time zone/);
  assert.ok(existsSync(join(d.dataDir, 'users', 'site-a', 'readings.csv')), 'the file is kept in the user\'s directory');
});

test('curl -T uploads an NDJSON file', async (t) => {
  const d = await deploy(t);
  const dir = tempDir(t);
  const local = join(dir, 'batch.ndjson');
  writeFileSync(local, '{"ts":"2024-05-01T00:00:00+02:00","sensor":"a","value":1}\n{"ts":"2024-05-01T00:00:01Z","sensor":"b","value":2}\n');
  await run('curl', ['-sS', '--ftp-pasv', '-T', local, `ftp://127.0.0.1:${d.port}/`, '--user', `site-a:${PASSWORD}`]);
  await waitFor('two records', () => rows().length === 2);
  assert.equal(rows()[0]!.ts, Date.parse('2024-04-30T22:00:00Z'));
});

test('an upload cut by a connection reset leaves no file and no records', async (t) => {
  const d = await deploy(t);
  const raw = await RawFtp.open(d.port);
  t.after(() => raw.close());
  assert.match(await raw.login('site-a', PASSWORD), /^230/);
  const data = await raw.passive();
  const opened = raw.send('STOR cut.csv');
  const answer = raw.reply();
  assert.match(await opened, /^150/);
  data.write(`ts,sensor,value\n${csvRows(2000)}\n`);
  await new Promise((r) => setTimeout(r, 100));
  data.resetAndDestroy();
  assert.match(await answer, /^5\d\d/);
  await new Promise((r) => setTimeout(r, 200));
  assert.deepEqual(readdirSync(join(d.dataDir, 'users', 'site-a')), [], 'no file, not even a partial one');
  assert.equal(stats(d).records, 0);
  assert.equal(stats(d).failedUploads, 1);
  assert.equal(d.runtime.status(d.flowId)!.journal!.head, 0, 'nothing journaled');
});

test('rename convention: a temporary upload is ingested only when renamed to its final name', async (t) => {
  const d = await deploy(t, { completion: 'rename' });
  const client = await ftpClient(d.port);
  t.after(() => client.close());
  await assert.rejects(client.uploadFrom(Readable.from([Buffer.from('ts,sensor,value\n')]), 'direct.csv'), /temporary name/);
  await client.uploadFrom(Readable.from([Buffer.from(`ts,sensor,value\n${csvRows(4)}\n`)]), 'day.csv.tmp');
  assert.equal(stats(d).records, 0, 'nothing ingested before the rename');
  const renamed = await client.rename('day.csv.tmp', 'day.csv');
  assert.equal(renamed.code, 250);
  assert.equal(stats(d).records, 4, 'ingested before the 250');
  await waitFor('records delivered', () => rows().length === 4);
});

test('manifest: a file is ingested when a matching .sha256 arrives; a mismatch ingests nothing', async (t) => {
  const d = await deploy(t, { completion: 'manifest' });
  const content = `ts,sensor,value\n${csvRows(6)}\n`;
  const hash = createHash('sha256').update(content).digest('hex');
  assert.match(await upload(d.port, 'm.csv', content), /^226/);
  assert.equal(stats(d).records, 0);
  assert.match(await upload(d.port, 'm.csv.sha256', `${hash}  m.csv\n`), /^226/);
  assert.equal(stats(d).records, 6);
  assert.match(await upload(d.port, 'n.csv', content.slice(0, 40)), /^226/);
  await assert.rejects(upload(d.port, 'n.csv.sha256', `${hash}  n.csv\n`), /does not match its manifest/);
  assert.equal(stats(d).records, 6);
});

test('re-uploading the same file is reported and not ingested twice; changed content is', async (t) => {
  const d = await deploy(t);
  const content = `ts,sensor,value\n${csvRows(3)}\n`;
  assert.match(await upload(d.port, 'a.csv', content), /^226/);
  assert.match(await upload(d.port, 'a.csv', content), /^226 .*already ingested/);
  assert.equal(stats(d).duplicates, 1);
  assert.equal(stats(d).records, 3);
  await upload(d.port, 'a.csv', `${content}${csvRows(1, 30)}\n`);
  assert.equal(stats(d).records, 7);
});

test('traversal, symlink escapes, anonymous logins, wrong passwords and PORT are refused and counted', async (t) => {
  const d = await deploy(t);
  const outside = tempDir(t);
  const home = join(d.dataDir, 'users', 'site-a');
  mkdirSync(home, { recursive: true });
  symlinkSync(outside, join(home, 'escape'));

  await assert.rejects(ftpClient(d.port, 'anonymous', 'guest'), /530/);
  await assert.rejects(ftpClient(d.port, 'site-a', 'wrong'), /530/);
  await assert.rejects(ftpClient(d.port, 'nobody', PASSWORD), /530/);

  const client = await ftpClient(d.port);
  t.after(() => client.close());
  await assert.rejects(client.uploadFrom(Readable.from([Buffer.from('x')]), '../../../../etc/evil.csv'), /outside your directory/);
  await assert.rejects(client.uploadFrom(Readable.from([Buffer.from('x')]), 'escape/evil.csv'), /outside your directory/);
  assert.deepEqual(readdirSync(outside), [], 'nothing written through the symlink');

  const raw = await RawFtp.open(d.port);
  t.after(() => raw.close());
  await raw.login('site-a', PASSWORD);
  assert.match(await raw.send('PORT 10,1,2,3,4,5'), /^502/);
  assert.match(await raw.send('EPRT |1|127.0.0.1|40000|'), /^502/);

  assert.deepEqual(stats(d).refused, { traversal: 1, symlink: 1, anonymous: 1, password: 2, port: 2, tls: 0 });
});

test('FTPS: explicit TLS uploads work and plain logins are refused when TLS is required', async (t) => {
  const dir = tempDir(t);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
  const { readFileSync } = await import('node:fs');
  const d = await deploy(t, { tls: { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') } });
  await assert.rejects(ftpClient(d.port), /TLS required/);
  const client = await ftpClient(d.port, 'site-a', PASSWORD, true);
  t.after(() => client.close());
  const res = await client.uploadFrom(Readable.from([Buffer.from(`ts,sensor,value\n${csvRows(5)}\n`)]), 'secure.csv');
  assert.equal(res.code, 226);
  assert.equal(stats(d).records, 5);
  assert.equal(stats(d).refused.tls, 1);
});

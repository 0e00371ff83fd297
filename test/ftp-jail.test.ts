import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import type { Client } from 'basic-ftp';
import { PathEscapeError } from '../server/core/data-paths.js';
import type { RuntimeManager } from '../server/runtime/manager.js';
import { builtinNodes } from '../nodes/index.js';
import { JailFs } from '../nodes/ftp/jail-fs.js';
import { openApp } from './helpers/api-app.js';
import { PASSWORD, RawFtp, ftpClient, ftpPort } from './helpers/ftp.js';
import { HOSTILE_NAMES } from './helpers/hostile-names.js';
import { nodeContext } from './helpers/node-context.js';
import { tempDir } from './helpers/temp-dir.js';

interface Site { runtime: RuntimeManager; port: number; dataDir: string; users: string }

async function site(t: Parameters<typeof openApp>[0]): Promise<Site> {
  const { runtime } = await openApp(t);
  const flowId = `jail-${randomBytes(3).toString('hex')}`;
  await runtime.deploy(flowId, {
    sluice: 1, id: flowId,
    nodes: [
      { id: 'ftp', type: 'ftp-receiver', config: { port: 0, pasvMin: 32000, pasvMax: 32999, users: [{ name: 'victim', password: PASSWORD }, { name: 'mallory', password: PASSWORD }] } },
      { id: 'rows', type: 'test-sink' },
    ],
    wires: [{ from: 'ftp', to: 'rows' }],
  });
  const dataDir = (runtime as unknown as { options: { dataDir: string } }).options.dataDir;
  return { runtime, port: ftpPort(runtime, flowId), dataDir, users: join(dataDir, 'flows', flowId, 'nodes', 'ftp', 'users') };
}

/** Every file below `dir` with its content, so a test can say nothing changed. */
function contents(dir: string): { [path: string]: string } {
  const out: { [path: string]: string } = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name).slice(dir.length)] = readFileSync(join(e.parentPath, e.name), 'utf8');
    else if (e.isDirectory()) out[`${join(e.parentPath, e.name).slice(dir.length)}/`] = '';
  }
  return out;
}

/**
 * Runs an FTP operation that must fail; returns the reply text (the client's error message). A refused
 * upload may reach the client as its data connection being reset before it reads the 550.
 */
async function refused(what: string, op: () => Promise<unknown>, reset = false): Promise<string> {
  try {
    await op();
  } catch (err) {
    const message = (err as Error).message;
    if (reset && /ECONNRESET/.test(message)) return '';
    assert.match(message, /^[45]\d\d /, `${what}: a protocol refusal, got ${message}`);
    return message;
  }
  assert.fail(`${what} succeeded: it must be refused`);
}

const sink = () => new Writable({ write: (_c, _e, done) => done() });

test('deploy refuses FTP user names that would be paths, in every spelling, naming the user', async (t) => {
  const { runtime } = await openApp(t);
  for (const [name, why] of HOSTILE_NAMES.filter(([n]) => n !== '')) {
    const result = runtime.validate({
      sluice: 1, id: 'f',
      nodes: [{ id: 'ftp', type: 'ftp-receiver', config: { port: 0, users: [{ name: 'victim', password: PASSWORD }, { name, password: PASSWORD }] } }],
      wires: [],
    });
    assert.equal(result.ok, false, JSON.stringify(name));
    const problems = result.ok ? [] : result.problems;
    assert.ok(problems.some((p) => p.path === '/nodes/0/config/users/1/name' && p.nodeId === 'ftp' && why.test(p.message)), `${JSON.stringify(name)}: ${JSON.stringify(problems)}`);
  }
});

test('an FTP user can never read, list, write, rename, delete or make directories outside its jail', async (t) => {
  const s = await site(t);
  const victim = join(s.users, 'victim');
  mkdirSync(join(victim, 'sub'), { recursive: true });
  writeFileSync(join(victim, 'private.csv'), 'ts,sensor,value\n');
  writeFileSync(join(victim, 'sub', 'deep.csv'), 'deep\n');
  const mallory = join(s.users, 'mallory');
  mkdirSync(mallory, { recursive: true });
  writeFileSync(join(mallory, 'own.csv.tmp'), 'mine\n');
  // Planted out of band (FTP cannot make links): a jail must hold even then.
  symlinkSync(victim, join(mallory, 'link'));
  symlinkSync(join(victim, 'private.csv'), join(mallory, 'file-link.csv'));
  const before = contents(victim);
  let client: Client = await ftpClient(s.port, 'mallory');
  t.after(() => client.close());
  // basic-ftp closes itself when a refused upload resets its data connection: log in again then.
  const again = async (): Promise<Client> => {
    if (client.closed) client = await ftpClient(s.port, 'mallory');
    return client;
  };

  const targets = [
    '../victim/private.csv', '/../victim/private.csv', '../../users/victim/private.csv', '..\\victim\\private.csv', '/..\\victim\\private.csv',
    'x/../../victim/private.csv', './../victim/private.csv', '../victim/./private.csv', 'link/private.csv', 'file-link.csv', 'link/sub/deep.csv',
    `${s.users}/victim/private.csv`,
  ];
  const replies: string[] = [];
  for (const path of targets) {
    replies.push(await refused(`RETR ${path}`, async () => (await again()).downloadTo(sink(), path)));
    replies.push(await refused(`SIZE ${path}`, async () => (await again()).size(path)));
    replies.push(await refused(`MDTM ${path}`, async () => (await again()).lastMod(path)));
    replies.push(await refused(`DELE ${path}`, async () => (await again()).remove(path)));
    replies.push(await refused(`STOR ${path}`, async () => (await again()).uploadFrom(Readable.from([Buffer.from('ts,sensor,value\n')]), path), true));
    replies.push(await refused(`RNTO ${path}`, async () => (await again()).rename('own.csv.tmp', path)));
    replies.push(await refused(`RNFR ${path}`, async () => (await again()).rename(path, 'stolen.csv')));
  }
  for (const dir of ['..', '../victim', '/..', 'link', 'link/sub', '..\\victim', '/../../..']) {
    replies.push(await refused(`LIST ${dir}`, async () => (await again()).list(dir)));
    replies.push(await refused(`CWD ${dir}`, async () => (await again()).cd(dir)));
    replies.push(await refused(`MKD ${dir}/new`, async () => (await again()).send(`MKD ${dir}/new`)));
    replies.push(await refused(`RMD ${dir}`, async () => (await again()).send(`RMD ${dir}`)));
    replies.push(await refused(`SITE CHMOD ${dir}`, async () => (await again()).send(`SITE CHMOD 777 ${dir}`)));
  }
  // Names that only look like parents stay inside: they are directories mallory does not have.
  for (const path of ['%2e%2e/victim/private.csv', '\uff0e\uff0e/victim/private.csv', '....//victim/private.csv']) {
    replies.push(await refused(`RETR ${path}`, async () => (await again()).downloadTo(sink(), path)));
  }
  // Control characters, which clients refuse to send, through a bare connection.
  const raw = await RawFtp.open(s.port);
  t.after(() => raw.close());
  await raw.login('mallory', PASSWORD);
  for (const command of ['SIZE', 'DELE', 'RNFR', 'CWD', 'MKD', 'RMD', 'MDTM']) {
    for (const path of ['a\0/../../victim/private.csv', '../victim\0/private.csv', '..\0']) {
      const reply = await raw.send(`${command} ${path}`);
      assert.match(reply, /^5\d\d /, `${command} ${JSON.stringify(path)} → ${reply}`);
      replies.push(reply);
    }
  }
  assert.equal(await (await again()).pwd(), '/', 'mallory never left its root');
  assert.deepEqual(contents(victim), before, 'victim\'s files are untouched and nothing was added');
  assert.deepEqual(readdirSync(s.users).sort(), ['mallory', 'victim']);
  assert.equal((await (await again()).list()).some((f) => f.name === 'stolen.csv'), false);

  // The replies speak FTP, never the server's file system.
  const serverPaths = [s.dataDir, realpathSync(s.dataDir), '/flows/', '/nodes/ftp', 'ENOENT', 'EACCES', '.upload'];
  for (const reply of replies) for (const p of serverPaths) assert.ok(!reply.includes(p), `reply reveals "${p}": ${reply}`);
});

test('FTP replies name no server path: a missing directory is "no such file or directory"', async (t) => {
  const s = await site(t);
  const client = await ftpClient(s.port, 'victim');
  t.after(() => client.close());
  // Through a bare connection: a client may see its data connection reset before it reads the reply.
  const upload = await RawFtp.open(s.port);
  t.after(() => upload.close());
  await upload.login('victim', PASSWORD);
  const data = await upload.passive();
  const opening = upload.reply();
  const outcome = upload.reply();
  upload.socket.write('STOR nosuchdir/x.csv\r\n');
  data.on('error', () => undefined);
  data.end('ts,sensor,value\n');
  assert.match(await opening, /^150 /);
  assert.equal(await outcome, '550 no such file or directory', 'the reply names no server path (it quoted the partial file\'s path before)');
  assert.equal(await refused('RETR missing.csv', () => client.downloadTo(sink(), 'missing.csv')), '551 no such file or directory');
  assert.equal(await refused('CWD missing', () => client.cd('missing')), '550 no such file or directory');
  assert.equal(await refused('DELE missing', () => client.remove('missing.csv')), '550 no such file or directory');
  const mkd = await client.send('MKD sub');
  assert.equal(mkd.message, '257 "/sub"', 'MKD answers the client path');
  assert.match(await refused('RMD /', () => client.send('RMD /')), /^550 /);
  const raw = await RawFtp.open(s.port);
  t.after(() => raw.close());
  await raw.login('victim', PASSWORD);
  for (const command of ['SIZE nowhere/x', 'MDTM nowhere/x', 'RNFR nowhere/x', 'XMKD nowhere/deeper/x\0', 'STAT nowhere']) {
    const reply = await raw.send(command);
    assert.ok(!reply.includes(s.dataDir) && !reply.includes('ENOENT'), `${command} → ${reply}`);
  }
});

test('the jail holds for a user name that got past the schema: login refused, root never a parent', async (t) => {
  const usersDir = join(tempDir(t), 'users');
  mkdirSync(join(usersDir, 'victim'), { recursive: true });
  for (const user of ['..', '.', '../victim', 'a/b', '']) {
    assert.throws(() => new JailFs({} as never, usersDir, user, { refused: () => undefined, upload: () => { throw new Error('no'); }, rename: async () => undefined }),
      PathEscapeError, JSON.stringify(user));
  }
  const dataDir = tempDir(t);
  writeFileSync(join(dataDir, 'secret.csv'), 'ts,sensor,value\n');
  const definition = builtinNodes.find((d) => d.type === 'ftp-receiver')!;
  // Created directly, as no deploy would: the schema never saw these names.
  const config = Value.Default(definition.config, { port: 0, pasvMin: 33000, pasvMax: 33099, users: [{ name: '..', password: PASSWORD }, { name: '.', password: PASSWORD }] });
  const node = await definition.create(config as never, nodeContext({ dataDir }));
  await node.start!();
  t.after(() => node.stop!());
  const { port } = node.queries!.address!({}) as { port: number };
  for (const user of ['..', '.']) {
    const raw = await RawFtp.open(port);
    t.after(() => raw.close());
    assert.match(await raw.login(user, PASSWORD), /^530 /, `user ${user} cannot log in`);
  }
  assert.deepEqual(node.queries!.stats!({}), { files: 0, records: 0, invalid: 0, duplicates: 0, failedUploads: 0, refused: { traversal: 2, symlink: 0, anonymous: 0, password: 0, port: 0, tls: 0 } });
});

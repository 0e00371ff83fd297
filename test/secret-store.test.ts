import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync, existsSync, chmodSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { builtinNodes } from '../nodes/index.js';
import { silentLogger } from '../server/core/logger.js';
import { NodeRegistry } from '../server/core/registry.js';
import { RuntimeManager } from '../server/runtime/manager.js';
import { keyId } from '../server/store/secret-cipher.js';
import { SecretStore } from '../server/store/secret-store.js';
import { generateKey, loadSecretsKey, parseKey, type SecretsKey } from '../server/store/secrets-key.js';
import { startServer, stopGracefully } from './helpers/server-process.js';
import { sluice } from './helpers/sluice-cli.js';
import { tempDir } from './helpers/temp-dir.js';

const registry = new NodeRegistry(builtinNodes);
const none = { get: () => undefined };

function keyOf(base64: string, origin = 'test key'): SecretsKey {
  const key = parseKey(base64, origin);
  return { key, id: keyId(key), origin, created: false, warnings: [] };
}

async function open(dataDir: string, secretsKey?: SecretsKey): Promise<RuntimeManager> {
  return RuntimeManager.open({ dataDir, registry, log: silentLogger, secrets: none, secretsKey });
}

/** The database file and its WAL, as bytes: what a copied data directory gives away. */
function fileBytes(dataDir: string): Buffer {
  return Buffer.concat(['sluice.db', 'sluice.db-wal'].map((f) => join(dataDir, f)).filter(existsSync).map((f) => readFileSync(f)));
}

/** A flow whose only node resolves `${secret:NAME}` into its config, to read what the store hands out. */
const resolves = (name: string) => ({
  sluice: 1, id: 'uses', nodes: [{ id: 'sim', type: 'simulate', config: { sensors: 1, ratePerSecond: 1, sensorPrefix: `\${secret:${name}}` } }], wires: [],
});

test('values are sealed at rest: the database holds neither the value nor a repeatable ciphertext', async (t) => {
  const dir = tempDir(t);
  const runtime = await open(dir);
  t.after(() => runtime.close());
  const value = 'correct-horse-battery-staple-1234';
  runtime.setSecret('vendor_key', value);
  runtime.setSecret('other_key', value);
  assert.deepEqual(runtime.secretNames(), ['other_key', 'vendor_key']);
  assert.equal(fileBytes(dir).indexOf(value), -1, 'the plaintext is nowhere in sluice.db or its WAL');
  const db = new Database(join(dir, 'sluice.db'), { readonly: true });
  t.after(() => db.close());
  const rows = db.prepare('SELECT name, key_id, nonce, sealed FROM secrets ORDER BY name').all() as { name: string; key_id: string; nonce: Buffer; sealed: Buffer }[];
  assert.equal(rows.length, 2);
  assert.equal(rows[0]!.nonce.length, 12);
  assert.equal(rows[0]!.sealed.length, Buffer.byteLength(value) + 16, 'ciphertext and a 16-byte GCM tag');
  assert.notDeepEqual(rows[0]!.sealed, rows[1]!.sealed, 'the same value under two names seals differently (random nonce)');
  assert.equal(statSync(join(dir, 'secrets.key')).mode & 0o777, 0o600, 'the key file made on first open is private');
});

test('a wrong key stops the open and names the secret, never the value', async (t) => {
  const dir = tempDir(t);
  const right = generateKey();
  const first = await open(dir, keyOf(right));
  first.setSecret('pg_password', 'never-print-me-please');
  await first.close();

  await assert.rejects(open(dir, keyOf(generateKey(), 'SLUICE_SECRETS_KEY')), (err: Error) => {
    assert.match(err.message, /^secret "pg_password" was encrypted with another key \(id [0-9a-f]{16}\) than the one from SLUICE_SECRETS_KEY \(id [0-9a-f]{16}\)/);
    assert.doesNotMatch(err.message, /never-print-me/);
    return true;
  });

  // Rows swapped between names (or edited) fail GCM authentication: the name is bound to the value.
  const db = new Database(join(dir, 'sluice.db'));
  const again = await open(dir, keyOf(right));
  again.setSecret('mqtt_password', 'another-value-entirely');
  await again.close();
  db.exec(`UPDATE secrets SET name = 'swap' WHERE name = 'pg_password'; UPDATE secrets SET name = 'pg_password' WHERE name = 'mqtt_password';
    UPDATE secrets SET name = 'mqtt_password' WHERE name = 'swap'`);
  db.close();
  await assert.rejects(open(dir, keyOf(right)), /^Error: secret "mqtt_password" cannot be decrypted with the key from test key \(Unsupported state or unable to authenticate data\): the stored row was altered or belongs to another name$/);
});

test('key sources: clear errors for a bad length, bad text, both sources, a missing file; a readable file is warned about', (t) => {
  const dir = tempDir(t);
  assert.throws(() => loadSecretsKey({ dataDir: dir, env: Buffer.alloc(16).toString('base64') }), /^SecretsKeyError: SLUICE_SECRETS_KEY holds 16 bytes; a secrets key is 32 bytes in base64/);
  assert.throws(() => loadSecretsKey({ dataDir: dir, env: 'not a key!' }), /SLUICE_SECRETS_KEY is not base64/);
  assert.throws(() => loadSecretsKey({ dataDir: dir, env: generateKey(), file: join(dir, 'k') }), /both SLUICE_SECRETS_KEY and --secrets-key-file .* are given; keep one/);
  assert.throws(() => loadSecretsKey({ dataDir: dir, file: join(dir, 'missing.key') }), /the secrets key file .*missing\.key does not exist; restore it from your backup, or for a new installation create one with `npx sluice secrets generate-key --out /);
  const loose = join(dir, 'loose.key');
  writeFileSync(loose, `${generateKey()}\n`);
  chmodSync(loose, 0o644);
  assert.deepEqual(loadSecretsKey({ dataDir: dir, file: loose }).warnings, [`the secrets key file ${loose} is readable by other users (mode 644): chmod 600 ${loose}`]);
  const made = loadSecretsKey({ dataDir: dir });
  assert.equal(made.created, true);
  assert.equal(made.origin, `key file ${join(dir, 'secrets.key')}`);
  assert.deepEqual(loadSecretsKey({ dataDir: dir }).key, made.key, 'the second start reads the key the first one made');
});

test('a data directory whose key file was lost does not get a fresh key silently', async (t) => {
  const dir = tempDir(t);
  const first = await open(dir);
  first.setSecret('ftp_site_a', 'ftp-password-value');
  await first.close();
  renameSync(join(dir, 'secrets.key'), join(dir, 'moved-away.key'));
  await assert.rejects(open(dir), /secret "ftp_site_a" was encrypted with another key .*secrets\.key did not exist and a new key was made; start with the key the secrets were stored with: the original key file from your backup/);
  assert.equal(existsSync(join(dir, 'secrets.key')), false, 'the useless new key file is removed again');
  renameSync(join(dir, 'moved-away.key'), join(dir, 'secrets.key'));
  const restored = await open(dir);
  t.after(() => restored.close());
  assert.deepEqual(restored.secretNames(), ['ftp_site_a']);
});

test('plaintext rows of an earlier version are encrypted on open and leave no trace in the file', async (t) => {
  const dir = tempDir(t);
  const db = new Database(join(dir, 'sluice.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)');
  const insert = db.prepare('INSERT INTO secrets VALUES (?, ?, ?)');
  insert.run('vendor_key', 'legacy-plaintext-vendor-key', 1);
  insert.run('big', `legacy-big-${'x'.repeat(9000)}`, 2);
  db.close();
  assert.notEqual(fileBytes(dir).indexOf('legacy-plaintext-vendor-key'), -1, 'the old layout really holds plaintext');

  const runtime = await open(dir);
  t.after(() => runtime.close());
  assert.deepEqual(runtime.secretNames(), ['big', 'vendor_key']);
  assert.deepEqual(runtime.validate(resolves('vendor_key')), { ok: true });
  assert.equal(runtime.redact('key=legacy-plaintext-vendor-key'), 'key=[redacted]', 'the migrated value resolves (the redactor learnt it)');
  const bytes = fileBytes(dir);
  assert.equal(bytes.indexOf('legacy-plaintext-vendor-key'), -1, 'freed pages were zeroed and the WAL emptied');
  assert.equal(bytes.indexOf('legacy-big-xxxx'), -1, 'overflow pages too');
});

test('sluice secrets rotate-key re-encrypts every secret under a new key file; the old key no longer opens the store', async (t) => {
  const dir = tempDir(t);
  const first = await open(dir);
  first.setSecret('a_secret', 'value-of-a-secret');
  first.setSecret('b_secret', 'value-of-b-secret');
  await first.close();
  const oldKey = readFileSync(join(dir, 'secrets.key'), 'utf8');

  const r = await sluice(['secrets', 'rotate-key', '--data', dir], { env: { SLUICE_SECRETS_KEY: '' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /re-encrypted 2 secrets; .*secrets\.key now holds the new key \(id [0-9a-f]{16}\)\. Back it up now/);
  const newKey = readFileSync(join(dir, 'secrets.key'), 'utf8');
  assert.notEqual(newKey, oldKey);
  assert.equal(statSync(join(dir, 'secrets.key')).mode & 0o777, 0o600);
  assert.equal(existsSync(join(dir, 'secrets.key.new')), false);

  await assert.rejects(open(dir, keyOf(oldKey)), /secret "a_secret" was encrypted with another key/);
  const rotated = await open(dir);
  t.after(() => rotated.close());
  assert.deepEqual(rotated.auth.auditLog({ limit: 5 }).map((e) => [e.action, e.actor.startsWith('cli:'), e.detail]), [['secrets.rotate-key', true, { secrets: 2 }]]);
  assert.deepEqual(rotated.validate(resolves('b_secret')), { ok: true });
  assert.equal(rotated.redact('value-of-a-secret value-of-b-secret'), '[redacted] [redacted]');
});

test('rotate-key with SLUICE_SECRETS_KEY prints the new key on stdout, and it opens the store', async (t) => {
  const dir = tempDir(t);
  const key = generateKey();
  const first = await open(dir, keyOf(key));
  first.setSecret('token', 'token-value-1234');
  await first.close();
  const r = await sluice(['secrets', 'rotate-key', '--data', dir], { env: { SLUICE_SECRETS_KEY: key } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /re-encrypted 1 secrets; set SLUICE_SECRETS_KEY to the key printed on stdout/);
  const rotated = await open(dir, keyOf(r.stdout.trim()));
  t.after(() => rotated.close());
  assert.deepEqual(rotated.secretNames(), ['token']);
  const wrong = await sluice(['secrets', 'rotate-key', '--data', dir], { env: { SLUICE_SECRETS_KEY: key } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^sluice secrets: secret "token" was encrypted with another key/);
});

test('sluice start announces the key file it made; sluice secrets set reads the value from stdin, list shows only names', async (t) => {
  const dir = tempDir(t);
  const server = await startServer(join(dir, 'data'));
  t.after(() => stopGracefully(server));
  assert.match(server.stderr(), /created the secrets key file .*data\/secrets\.key \(mode 600\)\. Back it up now, and separately from the data directory/);
  const value = 'value-from-stdin-5678';
  const set = await sluice(['secrets', 'set', 'piped', '--server', server.url, '--token', server.token], { stdin: `${value}\n` });
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stderr, /secret "piped" set; reference it as \$\{secret:piped\}/);
  const listed = await sluice(['secrets', 'list', '--server', server.url], { env: { SLUICE_TOKEN: server.token } });
  assert.deepEqual(listed.stdout.split('\n').filter(Boolean), ['piped']);
  assert.ok(!listed.stdout.includes(value) && !server.stderr().includes(value));
});

test('a rotation cut off between the commit and the key file swap is named at the next start, and FILE.new opens the store', async (t) => {
  const dir = tempDir(t);
  const first = await open(dir);
  first.setSecret('questdb_token', 'questdb-token-value');
  await first.close();
  // What rotate-key does, stopped right before renaming FILE.new over FILE.
  const file = join(dir, 'secrets.key');
  const next = generateKey();
  writeFileSync(`${file}.new`, `${next}\n`, { mode: 0o600 });
  const db = new Database(join(dir, 'sluice.db'));
  new SecretStore(db, loadSecretsKey({ dataDir: dir }), none).rotate(keyOf(next));
  db.close();

  await assert.rejects(open(dir), /secret "questdb_token" was encrypted with another key .*\(.*secrets\.key\.new exists: a key rotation was interrupted; if that key opens the store, move it to .*secrets\.key\)$/);
  renameSync(`${file}.new`, file);
  const resumed = await open(dir);
  t.after(() => resumed.close());
  assert.deepEqual(resumed.validate(resolves('questdb_token')), { ok: true });
});

test('a resolved value that fails the config schema is not quoted in the deploy problem', async (t) => {
  const dir = tempDir(t);
  const runtime = await open(dir);
  t.after(() => runtime.close());
  runtime.setSecret('BROKER_URL', 'tcp://not-an-mqtt-url-secret');
  const doc = { sluice: 1, id: 'bad-url', nodes: [{ id: 'in', type: 'mqtt-in', config: { url: '${secret:BROKER_URL}', topics: ['a'] } }], wires: [] };
  const result = runtime.validate(doc);
  assert.equal(result.ok, false);
  const problems = (result as { problems: { path: string; message: string }[] }).problems;
  assert.deepEqual(problems.map((p) => p.path), ['/nodes/0/config/url']);
  assert.doesNotMatch(problems[0]!.message, /not-an-mqtt-url|got/);
  const literal = runtime.validate({ ...doc, nodes: [{ id: 'in', type: 'mqtt-in', config: { url: 'tcp://literal', topics: ['a'] } }] });
  assert.match((literal as { problems: { message: string }[] }).problems[0]!.message, /\(got "tcp:\/\/literal"\)/, 'a literal is still quoted');
});

test('sluice start refuses a key of the wrong length and a missing key file, before listening', async (t) => {
  const dir = tempDir(t);
  const short = await sluice(['start', '--port', '0', '--data', join(dir, 'a'), '--no-demo', '--no-mqtt'], { env: { SLUICE_SECRETS_KEY: Buffer.alloc(31).toString('base64') } });
  assert.equal(short.code, 1);
  assert.match(short.stderr, /^sluice start: SLUICE_SECRETS_KEY holds 31 bytes; a secrets key is 32 bytes in base64/);
  const missing = await sluice(['start', '--port', '0', '--data', join(dir, 'b'), '--no-demo', '--no-mqtt', '--secrets-key-file', join(dir, 'nope.key')], { env: { SLUICE_SECRETS_KEY: '' } });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^sluice start: the secrets key file .*nope\.key does not exist; restore it from your backup/);
  assert.equal(existsSync(join(dir, 'b', 'secrets.key')), false, 'no key was made in the data directory instead');
});

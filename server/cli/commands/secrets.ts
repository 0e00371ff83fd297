import { existsSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuthStore } from '../../auth/auth-store.js';
import { environmentSecrets } from '../../core/secrets.js';
import { keyId } from '../../store/secret-cipher.js';
import { FlowStore } from '../../store/flow-store.js';
import { SecretStore } from '../../store/secret-store.js';
import {
  DEFAULT_KEY_FILE, generateKey, KEY_ENV, loadSecretsKey, parseKey, SecretsKeyError, writeKeyFile, type SecretsKey,
} from '../../store/secrets-key.js';
import type { Output } from '../output.js';
import { apiToken, callServer, errorMessage } from '../server-client.js';
import { UsageError } from '../usage.js';
import { cliActor } from './user.js';

type Sub = (args: string[], output: Output) => Promise<number>;

/** `sluice secrets generate-key | rotate-key | set | list`. */
export async function secretsCommand(args: string[], output: Output): Promise<number> {
  const [name, ...rest] = args;
  const subs: { [name: string]: Sub } = { 'generate-key': generateKeyCommand, 'rotate-key': rotateKeyCommand, set: setCommand, list: listCommand };
  const sub = name === undefined ? undefined : subs[name];
  if (!sub) throw new UsageError(`secrets takes one of ${Object.keys(subs).join(', ')}${name === undefined ? '' : `, got "${name}"`}`);
  return sub(rest, output);
}

/** A new random key, on stdout (for SLUICE_SECRETS_KEY) or into a new file only its owner can read. */
async function generateKeyCommand(args: string[], output: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' } } });
  const key = generateKey();
  if (values.out === undefined) {
    output.out(key);
    return 0;
  }
  writeKeyFile(resolve(values.out), key, { replace: false });
  output.err(`wrote a new secrets key to ${resolve(values.out)} (mode 600); back it up separately from the data directory`);
  return 0;
}

/**
 * Re-encrypts every secret under a new key, offline (stop the server first: a running server keeps the
 * old key and would write new secrets with it). With a key file, the new key is written next to it as
 * `<file>.new` before the store changes and renamed over the old file after the commit, so an interruption
 * leaves one of the two files able to open the store (a start names the `.new` file then). With
 * SLUICE_SECRETS_KEY, the new key is printed on stdout before the store changes.
 */
async function rotateKeyCommand(args: string[], output: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { data: { type: 'string', default: './data' }, 'secrets-key-file': { type: 'string' } } });
  const dataDir = resolve(values.data);
  const dbPath = join(dataDir, 'sluice.db');
  if (!existsSync(dbPath)) throw new SecretsKeyError(`${dbPath} does not exist: --data must name the data directory of a server`);
  const file = values['secrets-key-file'] === undefined ? undefined : resolve(values['secrets-key-file']);
  const defaultFile = join(dataDir, DEFAULT_KEY_FILE);
  const env = process.env[KEY_ENV];
  if ((env === undefined || env === '') && file === undefined && !existsSync(defaultFile)) {
    throw new SecretsKeyError(`no secrets key: ${defaultFile} does not exist, and neither ${KEY_ENV} nor --secrets-key-file is given`);
  }
  const current = loadSecretsKey({ dataDir, file, env });
  const { db } = FlowStore.open(dbPath);
  try {
    const store = new SecretStore(db, current, environmentSecrets);
    const text = generateKey();
    const nextKey = parseKey(text, 'the new key');
    const next: SecretsKey = { key: nextKey, id: keyId(nextKey), origin: 'the new key', created: true, warnings: [] };
    // A secret change like any other: the audit log says who rotated, when, and to which key id.
    const audit = (count: number) => new AuthStore(db).audit({ actor: cliActor(), action: 'secrets.rotate-key', target: next.id, detail: { secrets: count } });
    if (current.file) {
      const pending = `${current.file}.new`;
      rmSync(pending, { force: true });
      writeKeyFile(pending, text, { replace: false });
      const count = store.rotate(next);
      audit(count);
      renameSync(pending, current.file);
      output.err(`re-encrypted ${count} secrets; ${current.file} now holds the new key (id ${next.id}). Back it up now: the old key no longer opens the store`);
    } else {
      output.out(text);
      const count = store.rotate(next);
      audit(count);
      output.err(`re-encrypted ${count} secrets; set ${KEY_ENV} to the key printed on stdout (id ${next.id}) before the next start`);
    }
    return 0;
  } finally {
    db.close();
  }
}

/** Sets a secret on a running server; the value is read from stdin, never from the command line (`ps` shows that). */
async function setCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { server: { type: 'string' }, token: { type: 'string' } } });
  if (positionals.length !== 1) throw new UsageError('secrets set takes exactly one NAME; the value is read from stdin');
  const value = (await readStdin()).replace(/\r?\n$/, '');
  const name = positionals[0]!;
  const { status, text } = await callServer(values.server, 'PUT', `api/secrets/${encodeURIComponent(name)}`, JSON.stringify({ value }), apiToken(values.token));
  if (status !== 204) {
    output.err(`secrets set failed: ${errorMessage(status, text)}`);
    return 1;
  }
  output.err(`secret "${name}" set; reference it as \${secret:${name}} and redeploy the flows that use it`);
  return 0;
}

async function listCommand(args: string[], output: Output): Promise<number> {
  const { values } = parseArgs({ args, options: { server: { type: 'string' }, token: { type: 'string' } } });
  const { status, text } = await callServer(values.server, 'GET', 'api/secrets', undefined, apiToken(values.token));
  if (status !== 200) {
    output.err(`secrets list failed: ${errorMessage(status, text)}`);
    return 1;
  }
  for (const name of (JSON.parse(text) as { names: string[] }).names) output.out(name);
  return 0;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString('utf8');
  return text;
}

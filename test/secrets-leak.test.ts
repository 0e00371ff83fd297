import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { generateKey } from '../server/store/secrets-key.js';
import { client, embeddedBroker } from './helpers/mqtt-broker.js';
import { startHttpServer } from './helpers/http-server.js';
import { killHard, startServer, stopGracefully, type ServerProcess } from './helpers/server-process.js';
import { childProcesses } from './helpers/sluice-cli.js';
import { encodedForms, QDB_USER } from './helpers/encoded-forms.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const testNodes = fileURLToPath(new URL('./fixtures/test-nodes.js', import.meta.url));
const unique = (label: string) => `${label}-${randomBytes(9).toString('hex')}`;

/** Everything a client or an operator can see of a child server: its output, its live feed, and the answers. */
class Capture {
  readonly texts: string[] = [];
  private readonly sockets: WebSocket[] = [];

  watch(server: ServerProcess): void {
    server.child.stdout!.on('data', (d: Buffer) => this.texts.push(d.toString()));
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/api/ws`, { headers: server.auth });
    ws.on('message', (data: Buffer) => this.texts.push(data.toString()));
    ws.on('error', (err) => this.texts.push(`websocket error: ${err.message}`));
    this.sockets.push(ws);
  }

  /** Fetches `path` and keeps the raw answer, whatever its status. */
  async get(server: ServerProcess, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...server.auth, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    this.texts.push(`${init.method ?? 'GET'} ${path} -> ${res.status}\n${text}`);
    return { status: res.status, text };
  }

  /** Every read-only route, for every flow the server has. */
  async everything(server: ServerProcess): Promise<void> {
    for (const path of ['/api/flows', '/api/secrets', '/api/alerts', '/metrics', '/health', '/api/nodes']) await this.get(server, path);
    const flows = JSON.parse((await this.get(server, '/api/flows')).text) as { id: string }[];
    for (const { id } of flows) {
      for (const sub of ['', '/export', '/export?revision=deployed', '/revisions', '/status', '/debug', '/dead-letters', '/journal', '/collab']) {
        await this.get(server, `/api/flows/${id}${sub}`);
      }
    }
  }

  close(): void {
    for (const ws of this.sockets) ws.close();
  }

  /** Where each value appears, in any encoding: the test fails with the place and the encoding, never by printing the value. */
  leaks(values: { [name: string]: string }): string[] {
    const found: string[] = [];
    for (const [name, value] of Object.entries(values)) {
      for (const [encoding, form] of encodedForms(value)) {
        for (const text of this.texts) {
          const at = text.indexOf(form);
          if (at >= 0) found.push(`${name} (${encoding}) in: ${text.slice(Math.max(0, at - 120), at).replace(/\s+/g, ' ')}<HERE>`);
        }
      }
    }
    return found;
  }
}

test('secret values used by failing MQTT, webhook, file, function, API poller and QuestDB nodes appear nowhere a client or the logs can see, in any encoding', async (t) => {
  const secrets = {
    MQTT_PW: unique('mqtt-pw'), HOOK_TOKEN: unique('hook-token'), SINK_DIR: unique('sink-dir'), ENV_PW: unique('env-pw'),
    // Characters that every encoder changes: spaces, @, non-ASCII, a slash, a quote, an ampersand.
    API_PATH: unique('my p@ssword 2024x'), API_KEY: unique('Pr0be"Secret&Value'), QDB_PW: unique('m\u00f6tley/cr\u00fce-pass'),
  };
  const key = generateKey();
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const capture = new Capture();
  t.after(() => capture.close());

  const broker = await embeddedBroker(t, 'the test needs a broker that checks passwords', {
    authenticate: (_client, username, password, done) => {
      const ok = username === 'sluice' && password?.toString() === secrets.MQTT_PW;
      done(ok ? null : Object.assign(new Error('bad credentials'), { returnCode: 4 }), ok);
    },
  });
  const port = new URL(broker.url).port;
  // A receiver whose URL path carries the token (as chat webhooks do) and that refuses every request,
  // quoting the URL as the client sent it (percent-encoded).
  const receiver = await startHttpServer(t, (req, res) => { res.writeHead(400).end(`no such hook ${req.url}`); });
  // A QuestDB that refuses every query, quoting the credentials it was sent (base64 of user:password).
  const questdb = await startHttpServer(t, (req, res) => {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ query: '', error: `not authorised: ${req.headers.authorization}`, position: 0 }));
  });

  // The child inherits this environment: an env-sourced secret and the store's key.
  process.env.SLUICE_SECRET_ENV_PW = secrets.ENV_PW;
  process.env.SLUICE_SECRETS_KEY = key;
  t.after(() => { delete process.env.SLUICE_SECRET_ENV_PW; delete process.env.SLUICE_SECRETS_KEY; });

  let server = await startServer(data, ['--nodes', testNodes]);
  t.after(() => (server.child.exitCode === null && server.child.signalCode === null ? killHard(server) : undefined));
  capture.watch(server);
  for (const [name, value] of Object.entries(secrets)) {
    if (name === 'ENV_PW') continue;
    assert.equal((await capture.get(server, `/api/secrets/${name}`, { method: 'PUT', body: { value } })).status, 204);
  }
  mkdirSync(join(dir, secrets.SINK_DIR));

  const flow = {
    sluice: 1, id: 'leaky', name: 'Leaky',
    nodes: [
      // Password in its field, and the same password inside the URL (the status text quotes the URL).
      { id: 'in', type: 'mqtt-in', config: { url: broker.url, username: 'sluice', password: '${secret:MQTT_PW}', topics: ['leak/{sensor}'], reconnect: { minMs: 100, maxMs: 400 } } },
      { id: 'in-url', type: 'mqtt-in', config: { url: `mqtt://sluice:\${secret:MQTT_PW}@127.0.0.1:${port}`, topics: ['other/{sensor}'] } },
      // The wrong password from the environment: the broker refuses, the status says so (unwired: a sink
      // waiting for its broker would hold up the other branches of the entry).
      { id: 'out', type: 'mqtt-out', config: { url: broker.url, username: 'sluice', password: '${secret:ENV_PW}', topic: 'x/{sensor}', reconnect: { minMs: 100, maxMs: 400 } } },
      { id: 'show', type: 'debug', config: {} },
      // Alerts keyed by the field that carries the echoed password: ids and messages quote it.
      { id: 'alarm', type: 'alert', config: { keyBy: 'note', timeField: 'value', rules: [{ id: 'any', op: '>', value: 0 }] } },
      { id: 'hook', type: 'webhook', config: { url: `${receiver.url}/hooks/\${secret:HOOK_TOKEN}`, mode: 'batch' } },
      { id: 'fn', type: 'function', config: { code: 'export function process(records) {\n  console.log("fn saw", records.length);\n  return records;\n}\n' } },
      { id: 'file', type: 'test-sink', config: { file: `${dir}/\${secret:SINK_DIR}/out.ndjson` } },
      // A secret in the path (percent-encoded by fetch) and one in the query whose value holds an `&`.
      { id: 'poll', type: 'api-poller', config: { url: `${receiver.url}/devices/\${secret:API_PATH}/readings?key=\${secret:API_KEY}&page=1`, intervalMs: 300, retry: { maxAttempts: 1 } } },
      // A table per sensor: checked at the first write (a fixed table is checked at deploy, which would refuse it).
      { id: 'qdb', type: 'questdb', config: { address: questdb.url, username: QDB_USER, password: '${secret:QDB_PW}', table: 'readings_{sensor}', columns: { note: 'symbol', value: 'double' } } },
    ],
    wires: [{ from: 'in', to: 'show' }, { from: 'in', to: 'alarm' }, { from: 'in', to: 'hook' }, { from: 'in', to: 'fn' }, { from: 'fn', to: 'file' }, { from: 'in', to: 'qdb' }],
  };
  const deployed = await capture.get(server, '/api/flows/leaky/deploy', { method: 'POST', body: flow });
  assert.equal(deployed.status, 200, deployed.text);

  // A device that echoes the password in its payload: the debug view must not show it.
  const device = await client(t, broker.url, { username: 'sluice', password: secrets.MQTT_PW });
  // Published until it arrives: the node may still be subscribing when the deploy answers.
  await waitFor('the device\'s message reached the flow', async () => {
    await device.publishAsync('leak/s1', JSON.stringify({ ts: Date.now(), value: 1, note: `my password is ${secrets.MQTT_PW}` }), { qos: 1 });
    // The poller journals its failures too: look for the device's own entry.
    const lines = (await capture.get(server, '/api/flows/leaky/journal')).text.split('\n').filter(Boolean);
    return lines.some((line) => (JSON.parse(line) as { node?: string }).node === 'in');
  });
  const status = async () => JSON.parse((await capture.get(server, '/api/flows/leaky/status')).text) as {
    nodes: { [id: string]: { status: { state: string; text?: string }; lastError: { message: string } | null } };
    deadLetters: number;
  };
  let last = '';
  t.after(() => { if (process.env.DEBUG_LEAK) console.log(last); });
  await waitFor('the webhook failed into a dead letter and the wrong password was refused', async () => {
    const s = await status();
    last = JSON.stringify(s);
    return s.deadLetters > 0 && s.nodes.out!.status.state === 'refused' && s.nodes['in-url']!.status.state === 'connected'
      && s.nodes.qdb!.lastError !== null && /HTTP 400/.test(s.nodes.poll!.status.text ?? '');
  });
  const s = await status();
  // The leak paths are real: the texts quote the URL, the path and the broker's answer, with the value redacted.
  assert.match(s.nodes['in-url']!.status.text!, /connected to mqtt:\/\/sluice:\[redacted\]@127\.0\.0\.1/);
  assert.match(s.nodes.hook!.lastError!.message, /\[redacted\]/);
  // The poller's status quotes the receiver's answer, which quotes the URL with both secrets encoded.
  assert.match(s.nodes.poll!.status.text!, /no such hook \/devices\/\[redacted\]\/readings\?key=\[redacted\]&page=1/);
  assert.match(s.nodes.qdb!.lastError!.message, /not authorised: Basic [A-Za-z0-9+/]*\[redacted\]/, 'the Basic credential, base64, is redacted');
  const debug = JSON.parse((await capture.get(server, '/api/flows/leaky/debug')).text) as { nodeId: string; value: unknown }[];
  assert.ok(debug.some((m) => m.nodeId === 'show' && JSON.stringify(m.value).includes('my password is [redacted]')), 'the debug node showed the message, redacted');
  const alerts = JSON.parse((await capture.get(server, '/api/alerts')).text) as { id: string; message: string }[];
  assert.ok(alerts.length > 0 && alerts.every((a) => a.id.includes('[redacted]')), 'the alert fired; its id names the sensor, redacted');
  for (const alert of alerts) await capture.get(server, `/api/alerts/${encodeURIComponent(alert.id)}`);
  await waitFor('records reached the file sink', () => readFileSync(join(dir, secrets.SINK_DIR, 'out.ndjson'), 'utf8').length > 0);

  // The function node's sandbox process starts with an empty environment: no SLUICE_SECRET_*, no key, no PATH.
  const [sandbox] = childProcesses(server.child.pid!, 'sandbox-process');
  assert.ok(sandbox, 'the function node runs in a child process of the server');
  const environ = readFileSync(`/proc/${sandbox}/environ`, 'utf8').split('\0').filter(Boolean);
  assert.deepEqual(environ.map((v) => v.split('=')[0]).sort(), ['NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE'], 'only the IPC channel Node itself adds');

  // Function code may not name a secret: the deploy is refused, and the running flow stays.
  const sneaky = structuredClone(flow);
  sneaky.nodes.find((n) => n.id === 'fn')!.config = { code: 'export function process(records) {\n  return [{ stolen: "${secret:MQTT_PW}", env: "${env:SLUICE_SECRETS_KEY}" }];\n}\n' };
  const refused = await capture.get(server, '/api/flows/leaky/deploy', { method: 'POST', body: sneaky });
  assert.equal(refused.status, 400);
  assert.match(refused.text, /\$\{secret:MQTT_PW\} cannot be used in a function node/);
  assert.match((await capture.get(server, '/api/validate', { method: 'POST', body: sneaky })).text, /\$\{env:SLUICE_SECRETS_KEY\} cannot be used in a function node/);

  // Restart without the file sink's directory: the restore fails, and says so in the log and the status.
  await capture.everything(server);
  await stopGracefully(server);
  capture.texts.push(server.stderr());
  rmSync(join(dir, secrets.SINK_DIR), { recursive: true });
  server = await startServer(data, ['--nodes', testNodes]);
  capture.watch(server);
  const restarted = JSON.parse((await capture.get(server, '/api/flows/leaky/status')).text) as { state: string; error: string };
  assert.equal(restarted.state, 'failed');
  assert.match(restarted.error, /node "file" \(test-sink\) could not be created: ENOENT.*\[redacted\]/);
  await capture.everything(server);
  await stopGracefully(server);
  capture.texts.push(server.stderr());
  // pino writes the message after the fields: the line holds both, in either order.
  assert.match(server.stderr(), /^(?=.*deployed flow could not be restarted).*\[redacted\].*$/m, 'the log line names the failure, redacted');
  assert.match(server.stderr(), /secrets are encrypted with the key from SLUICE_SECRETS_KEY/);

  const leaks = capture.leaks({ ...secrets, SLUICE_SECRETS_KEY: key });
  assert.deepEqual(leaks, [], `secret values leaked:\n${leaks.join('\n')}`);
  const stored = readFileSync(join(data, 'sluice.db'));
  // MQTT_PW is left out: the device sent it as data, and the alert history keeps data (served redacted).
  for (const name of ['HOOK_TOKEN', 'SINK_DIR', 'ENV_PW', 'API_PATH', 'API_KEY', 'QDB_PW'] as const) {
    for (const [encoding, form] of encodedForms(secrets[name])) assert.equal(stored.indexOf(form), -1, `${name} is not in sluice.db (${encoding})`);
  }
  t.diagnostic(`scanned ${capture.texts.length} texts, ${capture.texts.reduce((n, s) => n + s.length, 0)} characters`);
});

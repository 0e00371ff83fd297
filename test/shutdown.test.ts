import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import mqtt from 'mqtt';
import { WebSocket } from 'ws';
import { AuthStore } from '../server/auth/auth-store.js';
import { launchChromium, signInContext } from './helpers/browser.js';
import { flowUrl, LONG } from './helpers/editor-page.js';
import { api, spawnServer, type ServerProcess } from './helpers/server-process.js';
import { childProcesses } from './helpers/sluice-cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { waitFor } from './helpers/wait.js';

const EXIT_WITHIN_MS = 3000;

/** simulate → function → debug: a running flow with a sandbox child process. */
const sandboxed = {
  sluice: 1, id: 'sandboxed',
  nodes: [
    { id: 'sim', type: 'simulate', config: { sensors: 5, ratePerSecond: 200, batchMs: 50 } },
    { id: 'double', type: 'function', config: { code: 'export function process(records) {\n  return records.map((r) => ({ ...r, value: r.value * 2 }));\n}\n' } },
    { id: 'show', type: 'debug', config: { maxPerBatch: 1 } },
  ],
  wires: [{ from: 'sim', to: 'double' }, { from: 'double', to: 'show' }],
};

/** A WebSocket whose peer has stopped reading, as a tab frozen in the background or a laptop gone to sleep. */
async function frozenSocket(server: ServerProcess, path: string): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, { headers: server.auth });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  return ws;
}

test('a server that ran the demo with an editor, a collaboration session, the embedded broker and a sandbox open exits within 3 s of SIGTERM, five times over', { timeout: 300_000 }, async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const browser = await launchChromium();
  t.after(() => browser.close());
  for (let run = 1; run <= 5; run++) {
    // The same data directory each time: the demo and the sandboxed flow are restarted from it, as after a reboot.
    const server = await spawnServer(['--data', dataDir, '--mqtt-port', '0']);
    t.after(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL'); });
    if (run === 1) await api(server, '/api/flows/sandboxed/deploy', { method: 'POST', body: sandboxed });
    await waitFor('readings through the sandbox', async () => (await api<{ nodes: { double: { out: { out?: number } } } }>(server, '/api/flows/sandboxed/status')).nodes.double.out.out! > 0, LONG);
    assert.equal(childProcesses(server.child.pid!, 'sandbox').length, 1, 'the function node runs its sandbox process');

    // A sensor with a persistent session on the embedded broker, that stops reading too.
    const brokerUrl = /MQTT broker listening on (mqtt:\/\/\S+)/.exec(server.stdout())![1]!;
    const sensor = await mqtt.connectAsync(brokerUrl, { clientId: `persistent-sensor-${run}`, clean: false, reconnectPeriod: 0 });
    await sensor.subscribeAsync('demo/#', { qos: 1 });
    sensor.stream.pause();

    // The editor on the demo: its live feed and the flow's shared draft are open.
    const context = await browser.newContext();
    const { store, close } = AuthStore.open(dataDir);
    await signInContext(context, server.url, store, 'editor', 'alice');
    close();
    const page = await context.newPage();
    await page.goto(flowUrl(server.url, 'demo'));
    await page.locator('.sl-dot.sl-collab-synced').waitFor({ timeout: LONG });
    await page.getByText('valid readings').first().waitFor({ timeout: LONG });
    const frozen = [await frozenSocket(server, '/api/ws'), await frozenSocket(server, '/api/flows/demo/collab')];

    const exited = new Promise<number | null>((resolve) => server.child.once('exit', resolve));
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    const code = await exited;
    const took = Date.now() - signalled;
    t.diagnostic(`run ${run}: exited with ${code} ${took} ms after SIGTERM`);
    assert.equal(code, 0, server.stderr());
    assert.ok(took < EXIT_WITHIN_MS, `run ${run} took ${took} ms; stderr:\n${server.stderr()}`);
    assert.doesNotMatch(server.stderr(), /did not finish/);
    for (const ws of frozen) ws.terminate();
    sensor.end(true);
    await context.close();
  }
});

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../../api/app.js';
import { AuthStore } from '../../auth/auth-store.js';
import { jsonLogger } from '../../core/logger.js';
import { NodeRegistry } from '../../core/registry.js';
import { RuntimeManager } from '../../runtime/manager.js';
import { MqttBroker } from '../../services/mqtt-broker.js';
import { builtinNodes } from '../../../nodes/index.js';
import { loadNodeModules } from '../node-modules.js';
import type { Output } from '../output.js';
import { packageRoot } from '../package-root.js';
import { UsageError } from '../usage.js';

/** Past this, a shutdown that has not finished is abandoned: a stuck close must not keep the process. */
const SHUTDOWN_GRACE_MS = 15_000;

/** `sluice start`: runs until SIGINT or SIGTERM, then closes the server and the runtime in order. */
export async function startCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: false,
    options: {
      port: { type: 'string', default: '8840' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: './data' },
      nodes: { type: 'string', multiple: true },
      'no-demo': { type: 'boolean', default: false },
      'mqtt-port': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`start takes no arguments, got ${positionals.join(' ')}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got ${values.port}`);
  const mqttPort = values['mqtt-port'] === undefined ? undefined : Number(values['mqtt-port']);
  if (mqttPort !== undefined && (!Number.isInteger(mqttPort) || mqttPort < 0 || mqttPort > 65535)) {
    throw new UsageError(`--mqtt-port must be 0..65535, got ${values['mqtt-port']}`);
  }

  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const https = values['tls-cert'] === undefined ? undefined
    : { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']!) };
  const adminToken = process.env.SLUICE_ADMIN_TOKEN || undefined;
  const dataDir = resolve(values.data);
  refuseOpenBind(values.host, dataDir);

  const log = jsonLogger();
  const registry = new NodeRegistry([...builtinNodes, ...(await loadNodeModules(values.nodes ?? []))]);
  // Before the runtime, so flows subscribing to the embedded broker connect on their first attempt.
  const broker = mqttPort === undefined ? undefined : await MqttBroker.start({ host: values.host, port: mqttPort });
  if (broker) output.out(`MQTT broker listening on ${broker.url}`);
  let runtime: RuntimeManager;
  try {
    runtime = await RuntimeManager.open({ dataDir, registry, log });
  } catch (err) {
    await broker?.close();
    throw err;
  }
  let app;
  try {
    if (!values['no-demo'] && runtime.listFlows().length === 0) await deployDemo(runtime, output);
    app = await buildApp(runtime, {
      logger: { level: 'warn', stream: process.stderr }, editorDir: join(packageRoot(), 'dist', 'editor'), https, adminToken,
    });
    await app.listen({ port, host: values.host });
  } catch (err) {
    await app?.close();
    await runtime.close();
    await broker?.close();
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = values.host.includes(':') ? `[${values.host}]` : values.host;
  const base = `${https ? 'https' : 'http'}://${shownHost}:${bound}`;

  const server = app;
  const stopped = new Promise<number>((done) => {
    const stop = (signal: string) => {
      output.err(`${signal}: shutting down`);
      setTimeout(() => {
        output.err(`shutdown did not finish within ${SHUTDOWN_GRACE_MS} ms; exiting`);
        process.exit(1);
      }, SHUTDOWN_GRACE_MS).unref();
      server.close()
        .then(() => runtime.close())
        .then(() => broker?.close())
        .then(() => done(0), (err: unknown) => {
          output.err(`shutdown failed: ${(err as Error).message}`);
          done(1);
        });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Only now: whoever waits for this line may send SIGTERM at once, and must find the handler installed.
  output.out(`Sluice listening on ${base}`);
  if (!runtime.auth.hasUsers()) {
    // Jupyter-style: the link is the credential, so it goes to the terminal of whoever started the server.
    output.out(`No users yet. Open this one-time link within the hour to create the first admin:\n  ${base}/#setup=${runtime.auth.createLoginLink()}`);
  }
  return stopped;
}

/** Loopback addresses: 127.0.0.0/8, ::1 and localhost. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Anyone who can reach a network address could take the first-admin link: such a bind needs an admin already. */
function refuseOpenBind(host: string, dataDir: string): void {
  if (isLoopback(host)) return;
  const { store, close } = AuthStore.open(dataDir);
  try {
    if (!store.hasAdmin()) {
      throw new Error(`refusing to listen on ${host} (not a loopback address) without an admin user in ${dataDir}; `
        + `create one first: sluice user add NAME --role admin --data ${dataDir}`);
    }
  } finally {
    close();
  }
}

/** First start of an empty data directory: something to look at right away. */
async function deployDemo(runtime: RuntimeManager, output: Output): Promise<void> {
  const path = join(packageRoot(), 'flows', 'demo.json');
  try {
    const doc: unknown = JSON.parse(await readFile(path, 'utf8'));
    runtime.saveDraft(doc);
    const deployed = await runtime.deploy((doc as { id: string }).id);
    output.err(`deployed the demo flow "${deployed.flowId}" (start with --no-demo to skip)`);
  } catch (err) {
    // The demo is a convenience: a broken one must not keep the server from starting.
    output.err(`the demo flow ${path} was not deployed: ${(err as Error).message}`);
  }
}

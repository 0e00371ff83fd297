import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../../api/app.js';
import { Cluster, serverIdOf } from '../../cluster/cluster.js';
import type { NatsSettings } from '../../cluster/nats-link.js';
import { CLUSTER_NAME_PATTERN } from '../../journal/jetstream/names.js';
import { AuthStore } from '../../auth/auth-store.js';
import { createPino, isLogLevel, LOG_LEVELS, toLogger } from '../../core/logger.js';
import { environmentSecrets, type SecretSource } from '../../core/secrets.js';
import { NodeRegistry } from '../../core/registry.js';
import { DEFAULT_HEAP_GROWTH_PERCENT, isHeapGrowth, tuneHeapGrowth } from '../../runtime/heap-tuning.js';
import { RuntimeManager } from '../../runtime/manager.js';
import { MqttBroker } from '../../services/mqtt-broker.js';
import { KEY_ENV, loadSecretsKey, type SecretsKey } from '../../store/secrets-key.js';
import { builtinNodes } from '../../../nodes/index.js';
import { loadNodeModules } from '../node-modules.js';
import type { Output } from '../output.js';
import { packageRoot } from '../package-root.js';
import { DEFAULT_SERVER, UsageError } from '../usage.js';

/** The embedded broker's default port: not 1883, so a local Mosquitto and Sluice's broker can both run. */
export const DEFAULT_MQTT_PORT = 1884;
/** The environment reference the demo's MQTT nodes use for the broker URL. */
const MQTT_URL_VARIABLE = 'SLUICE_MQTT_URL';

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
      'no-mqtt': { type: 'boolean', default: false },
      'secrets-key-file': { type: 'string' },
      'heap-growth': { type: 'string', default: String(DEFAULT_HEAP_GROWTH_PERCENT) },
      'log-level': { type: 'string', default: 'info' },
      cluster: { type: 'string' },
      'cluster-name': { type: 'string', default: 'sluice' },
      'server-id': { type: 'string' },
      'nats-user': { type: 'string' },
      'nats-creds': { type: 'string' },
      'nats-tls-ca': { type: 'string' },
      'nats-tls-cert': { type: 'string' },
      'nats-tls-key': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`start takes no arguments, got ${positionals.join(' ')}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got ${values.port}`);
  const mqttChosen = values['mqtt-port'] !== undefined;
  if (mqttChosen && values['no-mqtt']) throw new UsageError('--mqtt-port and --no-mqtt exclude each other');
  const mqttPort = values['no-mqtt'] ? undefined : mqttChosen ? Number(values['mqtt-port']) : DEFAULT_MQTT_PORT;
  if (mqttPort !== undefined && (!Number.isInteger(mqttPort) || mqttPort < 0 || mqttPort > 65535)) {
    throw new UsageError(`--mqtt-port must be 0..65535, got ${values['mqtt-port']}`);
  }

  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const https = values['tls-cert'] === undefined ? undefined
    : { cert: await readFile(values['tls-cert']), key: await readFile(values['tls-key']!) };
  const heapGrowth = Number(values['heap-growth']);
  if (!isHeapGrowth(heapGrowth)) throw new UsageError(`--heap-growth must be a whole percent 0..1000 (0: V8's own), got ${values['heap-growth']}`);
  tuneHeapGrowth(heapGrowth);
  const logLevel = values['log-level'];
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got ${logLevel}`);
  const adminToken = process.env.SLUICE_ADMIN_TOKEN || undefined;
  // Like the secrets key: read once, invisible to anything this process starts later.
  delete process.env.SLUICE_ADMIN_TOKEN;
  const dataDir = resolve(values.data);
  refuseOpenBind(values.host, dataDir);

  const nats = natsSettings(values);
  // One pino logger for the runtime and fastify. Every line passes the redactor of the secrets the runtime
  // learns (a request error can quote one); until the runtime is open there is none to know.
  let redact = (line: string) => line;
  const pino = createPino(logLevel, { write: (line: string) => process.stderr.write(redact(line)) });
  const log = toLogger(pino);
  mkdirSync(dataDir, { recursive: true });
  const secretsKey = loadSecretsKey({ dataDir, file: values['secrets-key-file'] && resolve(values['secrets-key-file']), env: process.env[KEY_ENV] });
  // Read once: nothing this process starts later (node sandboxes, plugins) needs to see the key.
  delete process.env[KEY_ENV];
  reportKey(secretsKey, output);
  const registry = new NodeRegistry([...builtinNodes, ...(await loadNodeModules(values.nodes ?? []))]);
  // Before the runtime, so flows subscribing to the embedded broker connect on their first attempt.
  const broker = mqttPort === undefined ? undefined : await startBroker(values.host, mqttPort, mqttChosen, output);
  if (broker) output.out(`MQTT broker listening on ${broker.url}`);
  let runtime: RuntimeManager;
  let cluster: Cluster | undefined;
  try {
    if (nats) {
      cluster = await Cluster.join(nats, { serverId: serverIdOf(dataDir, values['server-id']), log });
      output.err(`joined cluster "${nats.clusterName}" as server ${cluster.serverId} (${cluster.link.natsServers} NATS servers)`);
    }
    runtime = await RuntimeManager.open({ dataDir, registry, log, secrets: brokerUrlSource(broker), secretsKey, cluster });
    const opened = runtime;
    redact = (line) => opened.redact(line);
  } catch (err) {
    await cluster?.close();
    await broker?.close();
    throw err;
  }
  let app;
  try {
    if (!values['no-demo'] && runtime.listFlows().length === 0) await deployDemo(runtime, output, broker);
    app = await buildApp(runtime, {
      loggerInstance: pino, editorDir: join(packageRoot(), 'dist', 'editor'), https, adminToken,
    });
    await app.listen({ port, host: values.host });
  } catch (err) {
    await app?.close();
    await runtime.close();
    await cluster?.close();
    await broker?.close();
    throw err;
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const shownHost = values.host.includes(':') ? `[${values.host}]` : values.host;
  const base = `${https ? 'https' : 'http'}://${shownHost}:${bound}`;
  cluster?.membership.setUrl(base);

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
        .then(() => cluster?.close())
        .then(() => broker?.close())
        .then(() => done(0), (err: unknown) => {
          output.err(`shutdown failed: ${(err as Error).message}`);
          done(1);
        });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  if (demoWithoutDatabase(runtime)) for (const line of questdbHint(base, dataDir)) output.out(line);
  // Only now: whoever waits for this line may send SIGTERM at once, and must find the handler installed.
  output.out(`Sluice listening on ${base}`);
  if (!runtime.auth.hasUsers()) {
    // Jupyter-style: the link is the credential, so it goes to the terminal of whoever started the server.
    output.out(`No users yet. Open this one-time link within the hour to create the first admin:\n  ${base}/#setup=${runtime.auth.createLoginLink()}`);
  }
  return stopped;
}

/**
 * `--cluster nats://h1:4222,nats://h2:4222` and its companions. Secrets come from the environment, never from the
 * command line (visible to every user in `ps`): SLUICE_NATS_PASSWORD for --nats-user, SLUICE_NATS_TOKEN.
 */
function natsSettings(values: { [name: string]: string | boolean | string[] | undefined }): NatsSettings | undefined {
  const text = (name: string): string | undefined => (typeof values[name] === 'string' ? values[name] as string : undefined);
  const urls = text('cluster');
  const companions = ['nats-user', 'nats-creds', 'nats-tls-ca', 'nats-tls-cert', 'nats-tls-key', 'server-id'].filter((n) => text(n) !== undefined);
  if (urls === undefined) {
    if (companions.length > 0) throw new UsageError(`--${companions[0]} needs --cluster`);
    return undefined;
  }
  const servers = urls.split(',').map((u) => u.trim()).filter((u) => u !== '');
  const bad = servers.find((u) => !/^(nats|tls):\/\/[^\s/]+$/.test(u));
  if (servers.length === 0 || bad !== undefined) throw new UsageError(`--cluster takes nats://host:port URLs separated by commas, got "${bad ?? urls}"`);
  const clusterName = text('cluster-name')!;
  if (!CLUSTER_NAME_PATTERN.test(clusterName)) throw new UsageError(`--cluster-name must be 1 to 32 letters, digits or -, got "${clusterName}"`);
  const password = process.env.SLUICE_NATS_PASSWORD;
  const token = process.env.SLUICE_NATS_TOKEN;
  delete process.env.SLUICE_NATS_PASSWORD;
  delete process.env.SLUICE_NATS_TOKEN;
  if (password !== undefined && text('nats-user') === undefined) throw new UsageError('SLUICE_NATS_PASSWORD is set but --nats-user is not');
  const tls = { caFile: text('nats-tls-ca'), certFile: text('nats-tls-cert'), keyFile: text('nats-tls-key') };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) throw new UsageError('--nats-tls-cert and --nats-tls-key go together');
  const hasTls = Object.values(tls).some((v) => v !== undefined);
  return {
    servers, clusterName,
    ...(text('nats-user') !== undefined ? { user: text('nats-user'), password: password ?? '' } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(text('nats-creds') !== undefined ? { credsFile: resolve(text('nats-creds')!) } : {}),
    ...(hasTls ? { tls: Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined).map(([k, v]) => [k, resolve(v!)])) } : {}),
  };
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
        + `create one first: npx sluice user add NAME --role admin --data ${shellWord(dataDir)}`);
    }
  } finally {
    close();
  }
}

/**
 * The embedded broker is a convenience, so when its default port is taken (another Sluice, a second
 * broker) the server starts without it and says so: refusing to start would make the editor and every
 * other flow wait on a demo detail. A port asked for with --mqtt-port is a requirement: it fails.
 */
async function startBroker(host: string, port: number, chosen: boolean, output: Output): Promise<MqttBroker | undefined> {
  try {
    return await MqttBroker.start({ host, port });
  } catch (err) {
    if (chosen) throw err;
    output.err(`${(err as Error).message}; starting without the embedded MQTT broker (choose a port with --mqtt-port N, or --no-mqtt)`);
    return undefined;
  }
}

/** `${env:SLUICE_MQTT_URL}` is the embedded broker unless the environment names another one. */
function brokerUrlSource(broker: MqttBroker | undefined): SecretSource {
  return {
    get(kind, name) {
      const value = environmentSecrets.get(kind, name);
      return value === undefined && broker && kind === 'env' && name === MQTT_URL_VARIABLE ? broker.url : value;
    },
  };
}

/** The deployed demo has no questdb node yet: the user may not know how to add one. */
function demoWithoutDatabase(runtime: RuntimeManager): boolean {
  const nodes = (runtime.getDeployed('demo')?.doc as { nodes?: { type?: unknown }[] } | undefined)?.nodes;
  return Array.isArray(nodes) && !nodes.some((n) => n.type === 'questdb');
}

/**
 * How to add QuestDB to the demo, as commands to paste where the server was started: `npx sluice` is the
 * project's own CLI there, the server's address and data directory are spelled out when they are not the
 * CLI's defaults, and a token command that fails stops the line instead of exporting an empty token.
 */
function questdbHint(base: string, dataDir: string): string[] {
  const data = dataDir === resolve('./data') ? '' : ` --data ${shellWord(dataDir)}`;
  return [
    'The demo flow writes to no database. To store its readings in QuestDB (see "Pointing the demo at QuestDB" in the README):',
    ...(base === DEFAULT_SERVER ? [] : [`  export SLUICE_SERVER=${base}   # deploy and export talk to this server`]),
    `  SLUICE_TOKEN=$(npx sluice token create --scope editor --name cli${data}) && export SLUICE_TOKEN   # deploy and export need a token`,
    '  npx sluice export demo > demo.json',
    '  add to "nodes": { "id": "store", "type": "questdb", "config": { "address": "http://127.0.0.1:9000", "table": "demo_readings", "columns": { "sensor": "symbol", "value": "double" } } }',
    '  add to "wires": { "from": "check", "to": "store" }',
    '  npx sluice deploy demo.json',
  ];
}

/** A path as one shell word. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** First start of an empty data directory: something to look at right away. */
async function deployDemo(runtime: RuntimeManager, output: Output, broker: MqttBroker | undefined): Promise<void> {
  const path = join(packageRoot(), 'flows', 'demo.json');
  // Without a broker the demo could not run; not saving it leaves the next start free to deploy it.
  if (!broker && environmentSecrets.get('env', MQTT_URL_VARIABLE) === undefined) {
    output.err(`the demo flow ${path} was not deployed: it needs an MQTT broker (let the embedded one start on a free port with --mqtt-port N, or set ${MQTT_URL_VARIABLE}=mqtt://host:port)`);
    return;
  }
  try {
    const doc: unknown = JSON.parse(await readFile(path, 'utf8'));
    runtime.saveDraft(doc);
    const deployed = await runtime.deploy((doc as { id: string }).id);
    output.err(`deployed the demo flow "${deployed.flowId}" (start with --no-demo to skip)`);
  } catch (err) {
    // The demo is a convenience: a broken one must not keep the server from starting.
    output.err(runtime.redact(`the demo flow ${path} was not deployed: ${(err as Error).message}`));
  }
}

/** Where the secrets key is, every start; on the first start, that it must be backed up on its own. */
function reportKey(key: SecretsKey, output: Output): void {
  if (key.created) {
    output.err(`created the secrets key file ${key.file} (mode 600). Back it up now, and separately from the data directory: `
      + 'without it the stored secrets cannot be decrypted, and a backup holding both gives them away. '
      + `To keep it outside the data directory, move it and start with --secrets-key-file PATH or ${KEY_ENV}.`);
  } else {
    output.err(`secrets are encrypted with the key from ${key.origin} (key id ${key.id})`);
  }
  for (const warning of key.warnings) output.err(`warning: ${warning}`);
}

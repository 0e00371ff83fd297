import { Type, type Static } from '@sinclair/typebox';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

/** Connection settings shared by MQTT in and MQTT out; spread into each node's config schema. */
export const connectionConfig = {
  url: Type.String({ title: 'Broker URL', default: 'mqtt://127.0.0.1:1883', pattern: '^(mqtts?|wss?)://', description: 'Broker URL: mqtt://, mqtts:// (TLS), ws:// or wss:// (WebSocket).' }),
  clientId: Type.String({ title: 'Client ID', default: '', maxLength: 200, description: 'Client id; empty = `sluice-<flow>-<node>`. Persistent sessions are tied to it: keep it stable and unique per broker.' }),
  username: Type.String({ title: 'User name', default: '', description: 'User name; empty = none.' }),
  password: Type.String({ title: 'Password', default: '', description: 'Password: write a reference such as `${secret:MQTT_PASSWORD}`, never the value.' }),
  protocolVersion: Type.Union([Type.Literal(4), Type.Literal(5)], { title: 'Protocol version', default: 4, description: '4 = MQTT 3.1.1 (every broker, including the embedded one), 5 = MQTT 5.' }),
  keepaliveS: Type.Integer({ title: 'Keep-alive (s)', default: 30, minimum: 0, maximum: 65_535, description: 'Keep-alive interval in seconds; 0 disables it.' }),
  tls: Type.Object({
    ca: Type.String({ title: 'CA certificate', default: '', description: 'PEM of the CA that signed the broker certificate; empty = system CAs.' }),
    cert: Type.String({ title: 'TLS certificate', default: '', description: 'Client certificate (PEM) for mutual TLS.' }),
    key: Type.String({ title: 'TLS key', default: '', description: 'Client key (PEM) for mutual TLS: a `${secret:NAME}` reference.' }),
    rejectUnauthorized: Type.Boolean({ title: 'Reject unauthorized', default: true, description: 'Refuse a broker whose certificate does not verify.' }),
    servername: Type.String({ title: 'TLS server name', default: '', description: 'Name checked against the certificate (SNI) when it differs from the URL host.' }),
  }, { title: 'TLS', default: {}, additionalProperties: false, description: 'TLS options for mqtts:// and wss://.' }),
  reconnect: Type.Object({
    minMs: Type.Integer({ title: 'Min (ms)', default: 500, minimum: 10, description: 'First wait before reconnecting; doubled after each failed attempt.' }),
    maxMs: Type.Integer({ title: 'Max (ms)', default: 30_000, minimum: 10, description: 'Longest wait between attempts.' }),
  }, { title: 'Reconnect', default: {}, additionalProperties: false, description: 'Reconnect backoff.' }),
};

const ConnectionSchema = Type.Object(connectionConfig);
export type ConnectionConfig = Static<typeof ConnectionSchema>;

export function defaultClientId(flowId: string, nodeId: string): string {
  return `sluice-${flowId}-${nodeId}`;
}

/** mqtt.js options for one connection; reconnects are driven by `MqttLink`, never by mqtt.js itself. */
export function clientOptions(cfg: ConnectionConfig, clientId: string, clean: boolean): IClientOptions {
  const options: IClientOptions = {
    clientId, clean, protocolVersion: cfg.protocolVersion, keepalive: cfg.keepaliveS,
    reconnectPeriod: 0, connectTimeout: 10_000, resubscribe: false,
    rejectUnauthorized: cfg.tls.rejectUnauthorized,
  };
  if (cfg.username !== '') options.username = cfg.username;
  if (cfg.password !== '') options.password = cfg.password;
  if (cfg.tls.ca !== '') options.ca = cfg.tls.ca;
  if (cfg.tls.cert !== '') options.cert = cfg.tls.cert;
  if (cfg.tls.key !== '') options.key = cfg.tls.key;
  if (cfg.tls.servername !== '') options.servername = cfg.tls.servername;
  return options;
}

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface LinkEvents {
  /** Per connection attempt: the options (a fresh store per client, when the caller needs one). */
  options(): IClientOptions;
  /** A new client, before it connects: attach handlers here. */
  attach(client: MqttClient): void;
  /** After each CONNACK: subscribe here (subscriptions are idempotent, sessions may have been lost). */
  connected(client: MqttClient): void;
  state(state: LinkState, text: string): void;
}

/**
 * One logical connection to the broker. Each attempt is a fresh mqtt.js client, so nothing of a dead
 * connection (stores, parser, half-handled packets) leaks into the next; attempts back off
 * exponentially, and the state names the broker's reason when it refused or dropped us.
 */
export class MqttLink {
  private current: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private delay: number;
  private stopped = false;

  constructor(private readonly url: string, private readonly backoff: { minMs: number; maxMs: number }, private readonly events: LinkEvents) {
    this.delay = backoff.minMs;
  }

  get client(): MqttClient | undefined {
    return this.current?.connected ? this.current : undefined;
  }

  start(): void {
    this.events.state('connecting', `connecting to ${this.url}`);
    this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.current;
    this.current = undefined;
    if (client) await client.endAsync(true);
  }

  private attempt(): void {
    if (this.stopped) return;
    const client = mqtt.connect(this.url, this.events.options());
    this.current = client;
    let reason = 'connection closed';
    let refused = false;
    this.events.attach(client);
    client.on('connect', () => {
      this.delay = this.backoff.minMs;
      this.events.state('connected', `connected to ${this.url}`);
      this.events.connected(client);
    });
    client.on('error', (err: Error & { code?: unknown }) => {
      refused ||= err.message.startsWith('Connection refused');
      reason = err.message;
    });
    client.on('disconnect', (packet) => {
      reason = `broker disconnected us (reason code ${packet.reasonCode ?? 0}${packet.properties?.reasonString ? `: ${packet.properties.reasonString}` : ''})`;
    });
    client.once('close', () => {
      if (this.stopped || this.current !== client) return;
      const wait = this.delay;
      this.delay = Math.min(this.backoff.maxMs, this.delay * 2);
      const seconds = wait >= 1000 ? `${(wait / 1000).toFixed(1)} s` : `${wait} ms`;
      this.events.state(refused ? 'refused' : 'reconnecting', `${refused ? 'broker refused the connection' : 'disconnected'}: ${reason}; retrying in ${seconds}`);
      client.end(true);
      this.timer = setTimeout(() => this.attempt(), wait);
    });
  }
}

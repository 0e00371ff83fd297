import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import type { AedesOptions } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { MqttBroker } from '../../server/services/mqtt-broker.js';

type TestContext = { after(fn: () => void | Promise<void>): void; diagnostic(message: string): void };

export const MOSQUITTO = { host: '127.0.0.1', port: 1883 };

export interface TestBroker {
  kind: 'mosquitto' | 'aedes';
  url: string;
  /** The embedded broker when `kind` is aedes: tests can close it, or watch its events. */
  embedded?: MqttBroker;
}

export function mosquittoReachable(timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(MOSQUITTO.port, MOSQUITTO.host);
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** An aedes broker on a free port, closed after the test. */
export async function embeddedBroker(t: TestContext, why: string, aedes?: AedesOptions): Promise<TestBroker> {
  const broker = await MqttBroker.start({ host: '127.0.0.1', port: 0, ...(aedes ? { aedes } : {}) });
  t.after(() => broker.close());
  t.diagnostic(`MQTT broker: embedded aedes at ${broker.url} (${why})`);
  return { kind: 'aedes', url: broker.url, embedded: broker };
}

/** Mosquitto at 127.0.0.1:1883 when it answers, otherwise an embedded aedes broker; says which. */
export async function testBroker(t: TestContext): Promise<TestBroker> {
  if (await mosquittoReachable()) {
    const url = `mqtt://${MOSQUITTO.host}:${MOSQUITTO.port}`;
    t.diagnostic(`MQTT broker: Mosquitto at ${url}`);
    return { kind: 'mosquitto', url };
  }
  return embeddedBroker(t, `Mosquitto is not reachable at ${MOSQUITTO.host}:${MOSQUITTO.port}`);
}

/** A topic prefix no other test run on this machine uses. */
export function uniquePrefix(name: string): string {
  return `sluice-test/${name}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function uniqueClientId(name: string): string {
  return `sluice-test-${name}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** A connected mqtt.js client, ended after the test. */
export async function client(t: TestContext, url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { clientId: uniqueClientId('client'), reconnectPeriod: 0, ...options });
  t.after(() => c.endAsync(true));
  return c;
}

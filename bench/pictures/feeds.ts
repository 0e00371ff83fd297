import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { FlowDocument } from '../../server/core/flow-format.js';
import type { RuntimeManager } from '../../server/runtime/manager.js';
import { MqttBroker } from '../../server/services/mqtt-broker.js';
import { ReadingFactory, type ReadingSpec } from '../../nodes/lib/sim-readings.js';
import { startIlpServer } from '../../test/fixtures/ilp-server.js';
import { communes } from '../../test/helpers/france-readings.js';
import { ftpPort, uploadRenamed } from '../../test/helpers/ftp.js';
import { franceDataDir } from '../../test/helpers/shared-data.js';

/**
 * What a shipped flow's dashboard picture needs: its peers (a broker, QuestDB, the vendors' APIs, played
 * here by local stand-ins), and readings sent through its own sources, so the picture shows what the flow
 * makes of them — nothing is written into a widget directly.
 */
export interface Feed {
  /** Environment variables and secrets the flow's references read. */
  env(peers: Peers): Promise<{ [name: string]: string }>;
  /** A change the picture needs (e.g. a free FTP port instead of 2121). */
  prepare?(doc: FlowDocument): FlowDocument;
  /** Sends the readings; resolves once the flow had time to turn them into its widgets' data. */
  feed(runtime: RuntimeManager, peers: Peers): Promise<void>;
  /** Why this flow cannot be fed here (missing reference data), if so. */
  unavailable?(): string | undefined;
}

export interface Peers {
  mqttUrl: string;
  /** While set, the broker does not forward the packets it answers true for (readings sent before a flow listened). */
  holdBack?: (clientId: string, payload: Buffer) => boolean;
  questdbUrl: string;
  /** Serves `handler` on a free port of its own; answers its base URL. */
  http(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string>;
}

export async function startPeers(): Promise<{ peers: Peers; close(): Promise<void> }> {
  const holding: { peers?: Peers } = {};
  const broker = await MqttBroker.start({
    host: '127.0.0.1', port: 0,
    aedes: { authorizeForward: (client, packet) => (client && holding.peers?.holdBack?.(client.id, packet.payload as Buffer) ? null : packet) },
  });
  const ilp = await startIlpServer();
  const servers: ReturnType<typeof createServer>[] = [];
  const peers: Peers = {
    mqttUrl: `mqtt://127.0.0.1:${broker.port}`,
    questdbUrl: ilp.url,
    http: async (handler) => {
      const server = createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
  holding.peers = peers;
  return {
    peers,
    close: async () => {
      for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
      await ilp.close();
      await broker.close();
    },
  };
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** A smooth wobble in [-1, 1] that differs per sensor: readings that look measured, not random. */
const wave = (t: number, k: number, periodMs: number) => Math.sin((2 * Math.PI * t) / periodMs + k * 1.7) * 0.7 + Math.sin((2 * Math.PI * t) / (periodMs / 3.1) + k) * 0.3;

async function waitUntil(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error('a picture\'s flow did not get ready in time');
  }
}

async function publishAll(url: string, messages: { topic: string; payload: unknown }[]): Promise<void> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    for (let i = 0; i < messages.length; i += 200) {
      await Promise.all(messages.slice(i, i + 200).map((m) => client.publishAsync(m.topic, JSON.stringify(m.payload), { qos: 1 })));
    }
  } finally {
    await client.endAsync();
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * The demo's five sensors over the past 14 minutes, from the demo's own simulator model (so the history runs
 * on into its live readings), one message per sensor holding its readings as a JSON array (the flow reads
 * arrays). Until they are in, the broker holds back the simulator's live readings from the flow's
 * subscription, as if it had subscribed a moment later: a live reading first would make every older one late.
 */
const demo: Feed = {
  env: async (p) => ({ SLUICE_MQTT_URL: p.mqttUrl }),
  async feed(runtime, p) {
    const doc = runtime.getDeployed('demo')!.doc;
    const spec = doc.nodes.find((n) => n.type === 'simulate')!.config as unknown as ReadingSpec;
    const model = new ReadingFactory({ ...spec, malformedRatio: 0 }, 0);
    const now = Date.now();
    const bySensor = new Map<string, unknown[]>();
    let seq = 1e9;
    for (let t = now - 14 * MIN; t < now; t += SEC) {
      for (let k = 0; k < spec.sensors; k++, seq++) {
        const r = model.make(seq, t);
        const list = bySensor.get(String(r.sensor)) ?? [];
        list.push(r);
        bySensor.set(String(r.sensor), list);
      }
    }
    const messages = [...bySensor].map(([sensor, readings]) => ({ topic: `demo/sensors/${sensor}/readings`, payload: readings }));
    await waitUntil(() => /subscribed/.test(runtime.status('demo')?.nodes.subscribe?.status.text ?? ''));
    let owed = messages.length;
    p.holdBack = (clientId, payload) => {
      if (clientId !== 'sluice-demo-subscribe') return false;
      if (payload[0] === 0x5b) owed--;
      else if (owed > 0) return true;
      if (owed <= 0) p.holdBack = undefined;
      return false;
    };
    await publishAll(p.mqttUrl, messages);
    await sleep(8000);
    p.holdBack = undefined;
  },
};

/** Twelve sensors' heartbeats over 2 h 10 min: two silent now, one silent for a while an hour ago. */
const sensorHealth: Feed = {
  env: async (p) => ({ MQTT_URL: p.mqttUrl, QUESTDB_URL: p.questdbUrl }),
  async feed(_runtime, p) {
    const now = Date.now();
    const start = now - 130 * MIN;
    const messages: { topic: string; payload: unknown; ts: number }[] = [];
    for (let k = 0; k < 12; k++) {
      const period = (45 + (k * 13) % 60) * SEC;
      const site = k < 6 ? 'north-yard' : 'south-yard';
      for (let t = start + k * 1700; t < now; t += period + ((t / 7 + k * 977) % 5000)) {
        const quiet = (k === 10 && t > now - 40 * MIN) || (k === 11 && t > now - 18 * MIN) || (k === 4 && t > now - 75 * MIN && t < now - 58 * MIN);
        if (!quiet) messages.push({ ts: t, topic: `sites/${site}/sensors/hb-${String(k + 1).padStart(2, '0')}/heartbeat`, payload: { ts: Math.round(t), battery: 3.6 + wave(t, k, 3 * HOUR) * 0.1, rssi: -70 + k } });
      }
    }
    messages.sort((a, b) => a.ts - b.ts);
    await publishAll(p.mqttUrl, messages);
    await sleep(5000);
  },
};

/** The simulators of top-devices feed it by themselves: wait for rankings and histograms to fill. */
const topDevices: Feed = {
  env: async () => ({}),
  feed: () => sleep(25_000),
};

/** Three vibration sensors over 3 hours, one reading every 10 s, sent a minute at a time: two strong peaks, a quiet spell. */
const vibration: Feed = {
  env: async (p) => ({ MQTT_URL: p.mqttUrl, QUESTDB_URL: p.questdbUrl }),
  async feed(_runtime, p) {
    const now = Math.floor(Date.now() / MIN) * MIN;
    const start = now - 3 * HOUR;
    const sensors = [{ id: 'v-01', lat: 45.7601, lon: 4.8312 }, { id: 'v-02', lat: 45.7611, lon: 4.8335 }, { id: 'v-03', lat: 45.7593, lon: 4.8349 }];
    const messages: { topic: string; payload: unknown }[] = [];
    for (let m = start; m < now + MIN; m += MIN) {
      sensors.forEach((s, k) => {
        const readings = Array.from({ length: 6 }, (_, i) => {
          const ts = m + i * 10 * SEC;
          let ppv = 1.2 + 0.8 * wave(ts, k, 40 * MIN) + 0.15 * wave(ts, k + 3, 3 * MIN);
          if (k === 1 && (Math.abs(ts - (now - 130 * MIN)) < 15 * SEC || Math.abs(ts - (now - 48 * MIN)) < 15 * SEC)) ppv = 6.4 + i * 0.1;
          if (k === 2 && ts > now - 25 * MIN) ppv = 0.12 + 0.05 * wave(ts, k, 5 * MIN);
          return { ts, ppv: Math.round(Math.max(0.05, ppv) * 1000) / 1000, freq: 18 + k * 3, lat: s.lat, lon: s.lon };
        });
        messages.push({ topic: `sites/bridge-works/sensors/${s.id}/readings`, payload: readings });
      });
    }
    await publishAll(p.mqttUrl, messages);
    await sleep(5000);
  },
};

const SITE_SECRETS = {
  site_ftp_noise: 'noise-pw', site_ftp_vibration: 'vibration-pw', site_vendor_api_key: 'vendor-key', site_questdb_token: 'questdb-token',
  site_smtp_user: 'reports', site_smtp_password: 'smtp-pw',
};

/** A construction site's boundary: 20 hours of two noise loggers and a vibration logger over FTP, 5.5 hours of two dust monitors from the vendor's API. */
const constructionSite: Feed = {
  async env(p) {
    const now = Date.now();
    // Five and a half hours: the vendor's API answers each device's backlog in one poll, device after device, and the
    // flow corrects windows up to 6 h behind the newest reading (older ones would be late).
    const dust = ['dust-north', 'dust-south'].flatMap((sensor, k) => Array.from({ length: 33 * 60 }, (_, i) => {
      const ts = now - 330 * MIN + i * 10 * SEC;
      const plume = k === 0 && ts > now - 150 * MIN && ts < now - 115 * MIN;
      return { sensor, ts, quantity: 'pm10', value: Math.round((plume ? 230 + 15 * wave(ts, k, 7 * MIN) : 60 + 25 * wave(ts, k, 50 * MIN) + (k ? -15 : 0)) * 10) / 10 };
    }));
    const vendor = await p.http((req, res) => {
      const m = /^\/devices\/([^/]+)\/readings\?since=(\d+)$/.exec(req.url ?? '');
      if (req.headers.authorization !== `Bearer ${SITE_SECRETS.site_vendor_api_key}` || !m) return sendJson(res, 404, { error: 'no' });
      sendJson(res, 200, { readings: dust.filter((r) => r.sensor === m[1] && r.ts > Number(m[2])).map(({ ts, quantity, value }) => ({ ts, quantity, value })) });
    });
    return {
      SITE_FTP_PUBLIC_HOST: '127.0.0.1', SITE_VENDOR_API: vendor, SITE_QUESTDB_URL: p.questdbUrl,
      // The daily report runs at 07:00: the picture never mails, and no mail server is needed.
      SITE_SMTP_HOST: '127.0.0.1', SITE_SMTP_PORT: '2525', SITE_REPORT_FROM: 'monitoring@site.example', SITE_REPORT_TO: 'site.manager@site.example',
      ...Object.fromEntries(Object.entries(SITE_SECRETS).map(([k, v]) => [`SLUICE_SECRET_${k}`, v])),
    };
  },
  prepare(doc) {
    return { ...doc, nodes: doc.nodes.map((n) => (n.id === 'loggers' ? { ...n, config: { ...n.config, port: 0 } } : n)) };
  },
  async feed(runtime) {
    const now = Math.floor(Date.now() / MIN) * MIN;
    const port = ftpPort(runtime, 'construction-site-monitoring', 'loggers');
    const rows = (list: [number, string, string, number][]) => ['ts,sensor,quantity,value', ...list.map(([ts, s, q, v]) => `${new Date(ts).toISOString()},${s},${q},${v}`)].join('\n');
    const noise: [number, string, string, number][] = [];
    for (let m = now - 20 * HOUR; m <= now; m += MIN) {
      noise.push([m, 'noise-n1', 'laeq', Math.round((51 + 4 * wave(m, 0, 2 * HOUR) + (m > now - 200 * MIN && m < now - 170 * MIN ? 9 : 0)) * 10) / 10]);
      noise.push([m, 'noise-n2', 'laeq', Math.round((47 + 3 * wave(m, 1, 90 * MIN)) * 10) / 10]);
    }
    const vib: [number, string, string, number][] = [];
    for (let s = now - 20 * HOUR; s <= now; s += SEC) {
      const peak = Math.abs(s - (now - 95 * MIN)) < 2 * SEC ? 6.1 : Math.abs(s - (now - 40 * MIN)) < SEC ? 3.4 : 0;
      vib.push([s, 'vib-v1', 'ppv', peak || Math.round((0.7 + 0.3 * wave(s, 2, 20 * MIN) + ((s / SEC) % 7) / 40) * 1000) / 1000]);
    }
    // As the loggers do: each uploads its last stretch in turn (hourly here), so neither falls behind the other's watermark.
    for (let from = now - 20 * HOUR; from <= now; from += HOUR) {
      const hour = (list: typeof noise) => list.filter(([ts]) => ts >= from && ts < from + HOUR);
      for (const [user, password, name, content] of [
        ['noise-loggers', SITE_SECRETS.site_ftp_noise, `noise-${from}.csv`, rows(hour(noise))],
        ['vibration-loggers', SITE_SECRETS.site_ftp_vibration, `vibration-${from}.csv`, rows(hour(vib))],
      ] as const) {
        await uploadRenamed(port, user, password, name, content);
      }
    }
    await sleep(8000);
  },
};

const FRANCE_SECRETS = { france_api_key: 'api-key', france_questdb_token: 'questdb-token' };

/** Thirty hours of temperatures from sensors in the communes of the reference sample, every 15 minutes. */
const france: Feed = {
  unavailable: () => (existsSync(join(franceDataDir(), 'communes-sample.csv')) ? undefined : `the France reference data is not at ${franceDataDir()} (SLUICE_SHARED_DATA)`),
  async env(p) {
    const now = Math.floor(Date.now() / (15 * MIN)) * 15 * MIN;
    const sample = communes(franceDataDir()).filter((c, i) => i % 5 === 0 && !['01', '02', '03', '04', '06'].includes(c.regionCode));
    const all: { id: string; timestamp: number; lat: number; lon: number; temperature: number; country: string }[] = [];
    for (let t = now - 30 * HOUR; t <= now; t += 15 * MIN) {
      for (const c of sample) {
        const hour = ((t / HOUR) % 24 + 24) % 24;
        const south = (47 - c.lat) * 0.9;
        const temperature = Math.round((8 + south + 5 * Math.sin((2 * Math.PI * (hour - 9)) / 24) + 0.6 * wave(t, Number(c.regionCode) % 7, 9 * HOUR)) * 100) / 100;
        all.push({ id: c.insee, timestamp: t, lat: c.lat, lon: c.lon, temperature, country: 'FR' });
      }
    }
    const api = await p.http((req, res) => {
      const m = /^\/temperatures\?since=(\d+)$/.exec(req.url ?? '');
      if (req.headers['x-api-key'] !== FRANCE_SECRETS.france_api_key || !m) return sendJson(res, 404, { error: 'no' });
      sendJson(res, 200, all.filter((r) => r.timestamp > Number(m[1])));
    });
    return {
      FRANCE_TEMPERATURE_API: api, FRANCE_REGIONS_GEOJSON: join(franceDataDir(), 'regions-avec-outre-mer.geojson'), FRANCE_QUESTDB_URL: p.questdbUrl,
      ...Object.fromEntries(Object.entries(FRANCE_SECRETS).map(([k, v]) => [`SLUICE_SECRET_${k}`, v])),
    };
  },
  feed: () => sleep(12_000),
};

export const FEEDS: { [flowId: string]: Feed } = {
  demo, 'sensor-health': sensorHealth, 'top-devices': topDevices, 'vibration-mqtt': vibration,
  'construction-site-monitoring': constructionSite, 'france-hourly-temperature': france,
};

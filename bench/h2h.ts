import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildArgs } from './h2h/child-link.js';
import { ownBroker } from './h2h/own-broker.js';
import { SystemChild, procMb, type System } from './h2h/system-child.js';
import type { Broker } from './mqtt.js';
import { installNodeRed } from '../test/helpers/node-red.js';

/**
 * `npm run bench -- h2h`: Sluice against Node-RED 4.1 (and a bare mqtt.js subscriber, the limit) on the same
 * MQTT workload, one after the other, each system in its own process; then each at a steady rate, the in-process
 * workload and a crash run per system. Returns all figures; bench/run.ts prints them.
 */
export type Figures = { [name: string]: { value: number; unit: string } };

const PUBLISHER = fileURLToPath(new URL('./mqtt-publisher.js', import.meta.url));
const PER_MESSAGE = 10;
const READINGS = 1_000_000;
/** Also one reading per message (as many sensors publish), shorter: Node-RED's cost is mostly per message. */
const SINGLE_READINGS = 200_000;
/** 30 s at the steady rate: long enough for the heap to settle, so its second half shows a trend or none. */
const STEADY_READINGS = 600_000;
const STEADY_RATE = 20_000;
const CRASH_READINGS = 100_000;
/** The crash run kills the system once this share of the readings reached its sink. */
const KILL_AT = 0.3;
const INPROC = { sluice: 2_000_000, sandboxed: 300_000, nodered: 100_000 };

const say = (line: string) => process.stderr.write(`h2h: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function args(system: System, b: Broker, dir: string, over: Partial<ChildArgs>): ChildArgs {
  return {
    url: b.url, prefix: `sluice-h2h/${system}-${process.pid}-${Date.now()}`, total: READINGS,
    clientId: `sluice-h2h-${system}-${process.pid}-${Date.now()}`, persistent: false, shared: b.shared,
    dir, restart: false, seqFile: '', generate: 0, sandboxed: false, ...over,
  };
}

/** Publishers flat out: one mqtt.js client tops out near 10,000 messages/s here, below what the subscribers take. */
const PUBLISHERS = 2;

/** What the publishers said when done: readings/s they achieved together, and their busiest one's CPU share. */
interface Published { perS: number; cpuShare: number }

function publish(b: Broker, prefix: string, readings: number, rate = 0, perMessage = PER_MESSAGE): { done: () => boolean; startedAt: number; figures: () => Published } {
  const startedAt = Date.now();
  const messages = readings / perMessage;
  const count = rate > 0 ? 1 : PUBLISHERS;
  let running = count;
  const reports: { readings: number; wallMs: number; cpuMs: number }[] = [];
  for (let p = 0; p < count; p++) {
    const mine = Math.ceil((messages - p) / count);
    const child = spawn(process.execPath, [PUBLISHER, b.url, prefix, String(mine), String(perMessage), String(rate), String(p), String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    // 'close', not 'exit': its last line may come after the process ended.
    child.once('close', (code) => {
      running--;
      if (code !== 0) say(`publisher exited with ${code}`);
      else reports.push(JSON.parse(out) as { readings: number; wallMs: number; cpuMs: number });
    });
  }
  const figures = (): Published => (reports.length < count ? { perS: NaN, cpuShare: NaN } : {
    perS: reports.reduce((n, r) => n + r.readings, 0) / (Math.max(...reports.map((r) => r.wallMs)) / 1000),
    cpuShare: Math.max(...reports.map((r) => r.cpuMs / r.wallMs)),
  });
  return { done: () => running === 0, startedAt, figures };
}

/** Waits until `seen()` reaches `total`, or the publisher is done and nothing new arrived for 3 s. */
async function drain(total: number, seen: () => number, published: () => boolean): Promise<void> {
  let last = -1;
  let lastAt = Date.now();
  for (;;) {
    await sleep(50);
    const now = seen();
    if (now !== last) { last = now; lastAt = Date.now(); }
    if (now >= total) return;
    if (published() && Date.now() - lastAt > 3000) return;
  }
}

/** `publishedPerS` and `publisherCpu` (busiest publisher's CPU share, 1 = a full core): near 1, the publishers bound the run. */
interface MqttRun { publishedPerS: number; publisherCpu: number; windows: number; perS: number; p50: number; p99: number; idleMb: number; peakMb: number; heapMb: number; externalMb: number; rssAt: number[]; growthMb: number; missing: number }

/** One system, `readings` published flat out (or at `rate`) in messages of `perMessage`. */
async function mqttRun(system: System, b: Broker, readings: number, rate = 0, perMessage = PER_MESSAGE): Promise<MqttRun> {
  const dir = mkdtempSync(join(tmpdir(), `sluice-h2h-${system}-`));
  const a = args(system, b, dir, { total: readings });
  const child = await SystemChild.start(system, a);
  const idleMb = procMb(child.pid, 'VmRSS');
  try {
    const pub = publish(b, a.prefix, readings, rate, perMessage);
    await drain(readings, () => child.latest.distinct, pub.done);
    while (!pub.done()) await sleep(50);
    const s = await child.stats();
    const published = pub.figures();
    const missing = readings - s.distinct;
    if (missing > 0) say(`${system}: ${missing} of ${readings} readings never arrived (dropped by the broker)`);
    // Flat memory: the resident set once 25, 50, 75 and 100 % of the readings arrived; the growth is that of
    // the second half, after the heap's warm-up (young generation grown, first full collections done).
    const rssAt = [0.25, 0.5, 0.75, 1].map((q) => child.rss.find(([n]) => n >= readings * q)?.[1] ?? child.rss.at(-1)?.[1] ?? 0);
    return {
      publishedPerS: published.perS, publisherCpu: published.cpuShare, windows: s.windows, perS: s.distinct / ((s.lastAt - pub.startedAt) / 1000), p50: s.latency.p50, p99: s.latency.p99,
      idleMb, peakMb: child.peakMb(), heapMb: child.peakHeapMb, externalMb: child.peakExternalMb, rssAt, growthMb: rssAt[3]! - rssAt[1]!, missing,
    };
  } finally {
    await child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Distinct keys in a crash run's key file (4-byte keys appended by the sink of either process). */
function distinctKeys(file: string, total: number): number {
  if (!existsSync(file)) return 0;
  const buf = readFileSync(file);
  const keys = new Uint32Array(buf.buffer, buf.byteOffset, Math.floor(buf.length / 4));
  const seen = new Uint8Array(total);
  let n = 0;
  for (const k of keys) if (k < total && seen[k] === 0) { seen[k] = 1; n++; }
  return n;
}

/** SIGKILL mid-stream under full load, start again on the same state, count the readings that never reach the sink. */
async function crashRun(system: System, b: Broker): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `sluice-h2h-crash-${system}-`));
  const seqFile = join(dir, 'keys.bin');
  const a = args(system, b, dir, { total: CRASH_READINGS, persistent: true, seqFile });
  let child = await SystemChild.start(system, a);
  try {
    const pub = publish(b, a.prefix, CRASH_READINGS);
    while (distinctKeys(seqFile, CRASH_READINGS) < CRASH_READINGS * KILL_AT) {
      if (pub.done() && child.latest.distinct >= CRASH_READINGS) break;
      await sleep(5);
    }
    const before = distinctKeys(seqFile, CRASH_READINGS);
    await child.kill();
    say(`${system}: SIGKILL after ${before} readings reached the sink (publisher ${pub.done() ? 'done' : 'still sending'})`);
    child = await SystemChild.start(system, { ...a, restart: true });
    await drain(CRASH_READINGS, () => distinctKeys(seqFile, CRASH_READINGS), pub.done);
    return CRASH_READINGS - distinctKeys(seqFile, CRASH_READINGS);
  } finally {
    await child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The in-process workload: readings per second from the first to the last reading at the sink. */
async function inProcessRun(system: 'sluice' | 'nodered', readings: number, sandboxed = false): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), `sluice-h2h-inproc-${system}-`));
  const child = await SystemChild.start(system, { url: '', prefix: '', total: readings, clientId: '', persistent: false, shared: false, dir, restart: false, seqFile: '', generate: readings, sandboxed });
  try {
    let last = -1;
    let lastAt = Date.now();
    while (child.latest.received < readings) {
      await sleep(50);
      if (child.latest.received !== last) { last = child.latest.received; lastAt = Date.now(); }
      if (Date.now() - lastAt > 10_000) throw new Error(`${system}: in-process run stalled at ${last} of ${readings}`);
    }
    const s = child.latest;
    return s.received / ((s.lastAt - s.firstAt) / 1000);
  } finally {
    await child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (v: number, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * `SLUICE_H2H_ONLY=mqtt,inproc` runs only those parts (mqtt, single, steady, crash, inproc) and
 * `SLUICE_H2H_SYSTEMS=sluice` only those systems of the MQTT runs, for iterating on one; ratios need all three.
 */
const only = process.env.SLUICE_H2H_ONLY?.split(',').map((p) => p.trim());
const part = (name: string) => !only || only.includes(name);
const SYSTEMS = (process.env.SLUICE_H2H_SYSTEMS?.split(',').map((p) => p.trim()) ?? ['limit', 'sluice', 'nodered']) as System[];
const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? round(x, 1) : x));

export async function h2hBench(): Promise<Figures> {
  installNodeRed(say);
  const figures: Figures = {};
  // All MQTT runs use a Mosquitto of the bench's own, configured for "nothing lost" (see ownBroker): with the
  // default max_queued_messages (1000) of 127.0.0.1:1883, a flat-out publisher makes the broker drop readings
  // for every subscriber, the bare one included, and the systems would not see the same workload.
  if (part('mqtt') || part('single') || part('steady') || part('crash')) {
    const b = await ownBroker();
    say(`MQTT runs on ${b.what}; clean sessions for the throughput runs, persistent ones (clean: false, fixed client id) for the crash runs, for both systems`);
    try {
      if (part('mqtt')) Object.assign(figures, await flatOut(b));
      if (part('single')) Object.assign(figures, await singleReadings(b));
      if (part('steady')) Object.assign(figures, await steadyRate(b));
      if (part('crash')) Object.assign(figures, await crashes(b));
    } finally {
      await b.close();
    }
  }
  if (part('inproc')) Object.assign(figures, await inProcess());
  return figures;
}

/** Figures compare the three systems; a run of fewer (SLUICE_H2H_SYSTEMS) only says what it measured. */
const complete = (runs: Partial<Record<System, MqttRun>>): runs is Record<System, MqttRun> => !!(runs.limit && runs.sluice && runs.nodered);

async function runAll(b: Broker, label: string, readings: number, rate = 0, perMessage = PER_MESSAGE): Promise<Partial<Record<System, MqttRun>>> {
  const runs: Partial<Record<System, MqttRun>> = {};
  for (const system of SYSTEMS) {
    runs[system] = await mqttRun(system, b, readings, rate, perMessage);
    say(`${system}${label}: ${show(runs[system])}`);
  }
  return runs;
}

async function flatOut(b: Broker): Promise<Figures> {
  const runs = await runAll(b, '', READINGS);
  if (!complete(runs)) return {};
  const { limit, sluice, nodered } = runs;
  return {
    'h2h.sluice_per_s': { value: round(sluice.perS), unit: 'readings/s' },
    'h2h.nodered_per_s': { value: round(nodered.perS), unit: 'readings/s' },
    'h2h.limit_per_s': { value: round(limit.perS), unit: 'readings/s' },
    'h2h.sluice_vs_nodered': { value: round(sluice.perS / nodered.perS, 2), unit: '×' },
    'h2h.sluice_vs_limit': { value: round(sluice.perS / limit.perS, 2), unit: '×' },
    // A ratio near 1 means little when the publishers were the bound: their rate and CPU share in the limit's run say.
    'h2h.limit_published_per_s': { value: round(limit.publishedPerS), unit: 'readings/s (what the publishers achieved in the bare subscriber\'s run)' },
    'h2h.limit_publisher_cpu': { value: round(limit.publisherCpu, 2), unit: '(busiest publisher\'s CPU share in that run; near 1: publisher-bound)' },
    'h2h.sluice_publisher_cpu': { value: round(sluice.publisherCpu, 2), unit: '(the same in Sluice\'s run)' },
    'h2h.sluice_p50_full_load_ms': { value: sluice.p50, unit: 'ms (publisher flat out: mostly time queued at the broker or in memory)' },
    'h2h.sluice_p99_full_load_ms': { value: sluice.p99, unit: 'ms' },
    'h2h.nodered_p50_full_load_ms': { value: nodered.p50, unit: 'ms' },
    'h2h.nodered_p99_full_load_ms': { value: nodered.p99, unit: 'ms' },
    'h2h.limit_p99_full_load_ms': { value: limit.p99, unit: 'ms' },
    'h2h.sluice_rss_mb': { value: round(sluice.peakMb), unit: 'MB' },
    'h2h.nodered_rss_mb': { value: round(nodered.peakMb), unit: 'MB' },
    'h2h.limit_rss_mb': { value: round(limit.peakMb), unit: 'MB (the bare mqtt.js subscriber: the floor for any Node.js system on this workload)' },
    'h2h.sluice_rss_idle_mb': { value: round(sluice.idleMb), unit: 'MB (subscribed, before the first reading)' },
    'h2h.nodered_rss_idle_mb': { value: round(nodered.idleMb), unit: 'MB' },
    'h2h.limit_rss_idle_mb': { value: round(limit.idleMb), unit: 'MB' },
    'h2h.rss_ratio': { value: round(sluice.peakMb / nodered.peakMb, 2), unit: '× (Sluice ÷ Node-RED peak RSS)' },
    'h2h.limit_rss_ratio': { value: round(limit.peakMb / nodered.peakMb, 2), unit: '× (bare subscriber ÷ Node-RED peak RSS)' },
    // Node.js itself (its binary's pages alone are about 45 MB of any process's RSS) and mqtt.js are in all three.
    'h2h.rss_over_floor_ratio': { value: round((sluice.peakMb - limit.peakMb) / (nodered.peakMb - limit.peakMb), 2), unit: '× (peak RSS above the bare subscriber\'s, Sluice ÷ Node-RED)' },
    'h2h.sluice_rss_growth_mb': { value: round(sluice.growthMb), unit: 'MB (RSS from 50 % of the readings to the end; RSS at each quarter on stderr)' },
    'h2h.nodered_rss_growth_mb': { value: round(nodered.growthMb), unit: 'MB' },
  };
}

async function singleReadings(b: Broker): Promise<Figures> {
  const runs = await runAll(b, ', one reading per message', SINGLE_READINGS, 0, 1);
  if (!complete(runs)) return {};
  const { limit, sluice, nodered } = runs;
  return {
    'h2h.sluice_single_per_s': { value: round(sluice.perS), unit: `readings/s (one reading per message, ${SINGLE_READINGS} readings, as all *_single_per_s)` },
    'h2h.nodered_single_per_s': { value: round(nodered.perS), unit: 'readings/s' },
    'h2h.limit_single_per_s': { value: round(limit.perS), unit: 'readings/s' },
    'h2h.sluice_single_vs_nodered': { value: round(sluice.perS / nodered.perS, 2), unit: '×' },
    'h2h.sluice_single_vs_limit': { value: round(sluice.perS / limit.perS, 2), unit: '×' },
    'h2h.sluice_single_rss_mb': { value: round(sluice.peakMb), unit: 'MB' },
    'h2h.nodered_single_rss_mb': { value: round(nodered.peakMb), unit: 'MB' },
  };
}

/**
 * The bare subscriber's latency at the same rate is the machine's floor. Other work on the shared cores puts
 * stalls of its own into the tail, so each system runs twice (alternating) and keeps its lower p99.
 */
async function steadyRate(b: Broker): Promise<Figures> {
  const steady: Partial<Record<System, MqttRun>> = {};
  for (let pass = 0; pass < 2; pass++) {
    const runs = await runAll(b, ` at ${STEADY_RATE}/s`, STEADY_READINGS, STEADY_RATE);
    for (const system of SYSTEMS) {
      const run = runs[system]!;
      if (!steady[system] || run.p99 < steady[system].p99) steady[system] = run;
    }
  }
  if (!complete(steady)) return {};
  const { limit, sluice, nodered } = steady;
  return {
    'h2h.sluice_p50_ms': { value: sluice.p50, unit: `ms (at a steady ${STEADY_RATE} readings/s, as all *_p50_ms/*_p99_ms: the run with the lower p99 of two)` },
    'h2h.sluice_p99_ms': { value: sluice.p99, unit: 'ms' },
    'h2h.nodered_p50_ms': { value: nodered.p50, unit: 'ms' },
    'h2h.nodered_p99_ms': { value: nodered.p99, unit: 'ms' },
    'h2h.limit_p50_ms': { value: limit.p50, unit: 'ms' },
    'h2h.limit_p99_ms': { value: limit.p99, unit: 'ms' },
    'h2h.sluice_steady_rss_mb': { value: round(sluice.peakMb), unit: 'MB' },
    'h2h.nodered_steady_rss_mb': { value: round(nodered.peakMb), unit: 'MB' },
    'h2h.sluice_steady_rss_growth_mb': { value: round(sluice.growthMb), unit: 'MB (from 50 % of the readings to the end)' },
    'h2h.nodered_steady_rss_growth_mb': { value: round(nodered.growthMb), unit: 'MB' },
  };
}

async function crashes(b: Broker): Promise<Figures> {
  const sluice = await crashRun('sluice', b);
  const nodered = await crashRun('nodered', b);
  return {
    'h2h.sluice_lost': { value: sluice, unit: `of ${CRASH_READINGS} readings` },
    'h2h.nodered_lost': { value: nodered, unit: `of ${CRASH_READINGS} readings` },
  };
}

/** Other work on the machine comes and goes: alternate the systems and keep each one's best of two. */
async function inProcess(): Promise<Figures> {
  const inproc = { sluice: 0, sandboxed: 0, nodered: 0 };
  for (let pass = 0; pass < 2; pass++) {
    inproc.sluice = Math.max(inproc.sluice, await inProcessRun('sluice', INPROC.sluice));
    inproc.nodered = Math.max(inproc.nodered, await inProcessRun('nodered', INPROC.nodered));
    inproc.sandboxed = Math.max(inproc.sandboxed, await inProcessRun('sluice', INPROC.sandboxed, true));
  }
  say(`in-process: ${show(inproc)}`);
  return {
    'h2h.sluice_inproc_per_s': { value: round(inproc.sluice), unit: 'readings/s' },
    'h2h.nodered_inproc_per_s': { value: round(inproc.nodered), unit: 'msgs/s' },
    'h2h.sluice_inproc_sandboxed_per_s': { value: round(inproc.sandboxed), unit: 'readings/s (3 function nodes, isolated-vm in a child process)' },
    'h2h.inproc_ratio': { value: round(inproc.sluice / inproc.nodered, 1), unit: '× (Sluice ÷ Node-RED)' },
    'h2h.inproc_sandboxed_ratio': { value: round(inproc.sandboxed / inproc.nodered, 1), unit: '× (Sluice function nodes ÷ Node-RED)' },
  };
}

import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';
import { reportLoopFailure } from './lib/loop-failure.js';
import { ReadingFactory } from './lib/sim-readings.js';
import { sleep } from './lib/sleep.js';
import { SourceAppender, type Chunk } from './lib/source-appender.js';

const ValueModel = Type.Object({
  base: Type.Number({ title: 'Base', default: 20, description: 'Mean value around which readings vary.' }),
  amplitude: Type.Number({ title: 'Amplitude', default: 5, description: 'Amplitude of the sine wave added to the base.' }),
  periodS: Type.Number({ title: 'Period (s)', default: 86_400, exclusiveMinimum: 0, description: 'Period of the sine wave, in seconds (each sensor has its own phase).' }),
  noise: Type.Number({ title: 'Noise', default: 0.5, minimum: 0, description: 'Standard deviation of the gaussian noise added to every reading.' }),
  drift: Type.Number({ title: 'Drift', default: 0, description: 'Change of the mean per hour since the node first started.' }),
}, { title: 'Value model', default: {}, additionalProperties: false, description: 'How values evolve: base + sine + drift + noise.' });

const Gps = Type.Object({
  lat: Type.Number({ title: 'Latitude', default: 48.8566, minimum: -90, maximum: 90, description: 'Latitude of the centre of the area.' }),
  lon: Type.Number({ title: 'Longitude', default: 2.3522, minimum: -180, maximum: 180, description: 'Longitude of the centre of the area.' }),
  radiusM: Type.Number({ title: 'Radius (m)', default: 1000, minimum: 0, maximum: 1_000_000, description: 'Radius of the area in metres.' }),
}, { title: 'Positions (GPS)', additionalProperties: false, description: 'When set, every sensor gets a fixed position in this area (fields `lat`, `lon`).' });

const config = Type.Object({
  sensors: Type.Integer({ title: 'Sensors', default: 10, minimum: 1, maximum: 1_000_000, description: 'Number of simulated sensors; readings go round-robin.' }),
  sensorPrefix: Type.String({ title: 'Sensor prefix', default: 'sim-', description: 'Sensor ids are this prefix followed by the sensor index.' }),
  ratePerSecond: Type.Number({ title: 'Rate (readings/s)', default: 10, minimum: 0, description: 'Readings per second over all sensors; 0 = as fast as the journal accepts.' }),
  batchMs: Type.Integer({ title: 'Batch (ms)', default: 100, minimum: 1, maximum: 60_000, description: 'With a rate: milliseconds of readings gathered into one append.' }),
  batchSize: Type.Integer({ title: 'Batch size', default: 2000, minimum: 1, maximum: 100_000, description: 'Most readings in one append (the batch size when the rate is 0).' }),
  limit: Type.Integer({ title: 'Limit', default: 0, minimum: 0, description: 'Total readings over the life of the node, restarts included; 0 = endless.' }),
  seed: Type.Integer({ title: 'Seed', default: 1, minimum: 0, maximum: 4_294_967_295, description: 'Seed: the same seed gives the same noise, phases and positions.' }),
  value: ValueModel,
  quantity: Type.String({ title: 'Quantity', default: 'value', minLength: 1, pattern: '^(?!(ts|sensor|seq|unit|lat|lon)$)', description: 'Name of the value field (not ts, sensor, seq, unit, lat or lon).' }),
  unit: Type.String({ title: 'Unit', default: '', description: 'Unit written in each reading\'s `unit` field; empty = no unit field.' }),
  gps: Type.Optional(Gps),
  malformedRatio: Type.Number({ title: 'Malformed share (0–1)', default: 0, minimum: 0, maximum: 1, description: 'Share of readings deliberately malformed (missing or non-numeric value, missing ts).' }),
  retryMs: Type.Integer({ title: 'Retry (ms)', default: 1000, minimum: 1, maximum: 60_000, description: 'Wait before retrying an append the journal refused.' }),
}, { additionalProperties: false });

/** Committed with every append: where to resume, and the reference time of the drift. */
interface SimState {
  nextSeq: number;
  originTs: number;
}

function readState(state: unknown): SimState | undefined {
  if (state === null || typeof state !== 'object') return undefined;
  const { nextSeq, originTs } = state as { nextSeq?: unknown; originTs?: unknown };
  if (typeof nextSeq !== 'number' || typeof originTs !== 'number') return undefined;
  return { nextSeq, originTs };
}

const STATUS_EVERY_MS = 500;

export default defineNode({
  type: 'simulate',
  category: 'source',
  label: 'simulate',
  inputs: {},
  outputs: { out: 'simulated sensor readings' },
  config,
  docs: `Generates sensor readings: for demos, tests and benchmarks.

Each reading is \`{ ts, sensor, seq, value, unit?, lat?, lon? }\`. \`seq\` numbers the node's readings
0, 1, 2, … over its whole life; sensors take turns (\`seq % sensors\`). The value is
\`base + amplitude·sin(2π·ts/period + phase) + drift·hours since first start + noise\`, a pure function
of the seed, \`seq\` and \`ts\`: the same seed gives the same readings.

**Timing.** With \`ratePerSecond\` > 0, reading \`seq\` is timestamped on a fixed grid from the start time
and appended in batches of \`batchMs\`; a late timer catches up without drifting. With rate 0 the node
appends batches of \`batchSize\` as fast as the journal commits them (two appends in flight), stamped
with the wall clock: timestamps then repeat within a millisecond, so use \`seq\` as the unique key.

**Durability.** The next \`seq\` is committed with every batch, so a restart continues exactly where the
journal stopped: no reading is made twice or skipped, and \`limit\` holds across restarts (status
\`done\` when reached). When the journal is full the node shows \`refused\`, waits \`retryMs\` and
retries the same batch; after the pause it carries on from the current time.

**Ports.** \`out\`: the readings.

**Testing validation.** \`malformedRatio\` spoils that share of readings (value missing, \`"21.5"\`,
\`"n/a"\`, \`null\`, or \`ts\` missing), chosen deterministically from the seed.

Example: \`{ "sensors": 100, "ratePerSecond": 1000, "unit": "°C", "gps": { "lat": 45.76, "lon": 4.83, "radiusM": 5000 } }\``,

  create(cfg, ctx) {
    const saved = ctx.sourceState();
    const resumed = readState(saved);
    if (saved !== undefined && !resumed) ctx.log.warn('unrecognised source state, starting from seq 0', { state: saved });
    const originTs = resumed?.originTs ?? Date.now();
    const factory = new ReadingFactory(cfg, originTs);
    const stopper = new AbortController();
    const signal = AbortSignal.any([ctx.signal, stopper.signal]);
    const rate = cfg.ratePerSecond;
    let nextSeq = resumed?.nextSeq ?? 0;
    let lastStatusAt = 0;
    // Rate mode: the grid that timestamps are derived from; moved to "now" after a pause.
    let epochTs = 0;
    let epochSeq = 0;
    let loop: Promise<void> | undefined;

    const remaining = (): number => (cfg.limit > 0 ? cfg.limit - nextSeq : Infinity);
    const tsOnGrid = (seq: number): number => epochTs + Math.floor(((seq - epochSeq) * 1000) / rate);

    const appender = new SourceAppender(ctx, signal, {
      maxInFlight: rate === 0 ? 2 : 1,
      retryMs: cfg.retryMs,
      stateFor: (seq): SimState => ({ nextSeq: seq, originTs }),
      onCommit(committed, afterPause) {
        // A paused source carries on from now instead of bursting out the readings it missed.
        if (afterPause && rate > 0) {
          epochTs = Date.now();
          epochSeq = nextSeq;
        }
        const now = Date.now();
        if (afterPause || now - lastStatusAt >= STATUS_EVERY_MS) {
          lastStatusAt = now;
          ctx.status({ state: 'running', text: `${committed} readings` });
        }
      },
    }, nextSeq);

    function take(count: number, tsOf: (seq: number) => number): Chunk {
      const start = nextSeq;
      nextSeq += count;
      return { start, end: nextSeq, records: factory.batch(start, count, tsOf) };
    }

    async function asFastAsPossible(): Promise<void> {
      while (!signal.aborted && remaining() > 0) {
        const now = Date.now();
        if (!(await appender.push(take(Math.min(cfg.batchSize, remaining()), () => now)))) return;
      }
    }

    async function atRate(): Promise<void> {
      epochTs = Date.now();
      epochSeq = nextSeq;
      while (!signal.aborted && remaining() > 0) {
        const now = Date.now();
        const due = epochSeq + Math.floor(((now - epochTs) * rate) / 1000) + 1;
        const count = Math.min(due - nextSeq, cfg.batchSize, remaining());
        if (count > 0) {
          if (!(await appender.push(take(count, tsOnGrid)))) return;
          continue;
        }
        // Sleep to the batch boundary at or after the next reading's time, so appends hold batchMs of readings.
        const wakeAt = epochTs + Math.ceil((tsOnGrid(nextSeq) - epochTs) / cfg.batchMs) * cfg.batchMs;
        if (!(await sleep(Math.max(1, wakeAt - now), signal))) return;
      }
    }

    async function run(): Promise<void> {
      if (remaining() > 0) {
        ctx.status({ state: 'running', text: `${nextSeq} readings` });
        await (rate === 0 ? asFastAsPossible() : atRate());
        if (!(await appender.drain())) return;
      }
      if (remaining() <= 0 && !signal.aborted) ctx.status({ state: 'done', text: `${cfg.limit} readings (limit reached)` });
    }

    return {
      start() {
        loop = run().catch(reportLoopFailure(ctx, 'simulate'));
      },
      async stop() {
        stopper.abort();
        await loop;
      },
    };
  },
});

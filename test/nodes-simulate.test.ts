import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { NodeRegistry } from '../server/core/registry.js';
import type { AppendOptions, BatchMeta, DataRecord, NodeContext, NodeInstance, NodeStatus, Outputs } from '../server/core/types.js';
import { builtinNodes } from '../nodes/index.js';
import { nodeContext } from './helpers/node-context.js';
import { distanceM, ReadingFactory, type ReadingSpec } from '../nodes/lib/sim-readings.js';

const registry = new NodeRegistry(builtinNodes);

function configOf(type: string, raw: object): unknown {
  const reg = registry.get(type);
  assert.ok(reg, `${type} is registered`);
  const config = Value.Default(reg.definition.config, structuredClone(raw));
  assert.ok(reg.check.Check(config), [...reg.check.Errors(config)].map((e) => `${e.path} ${e.message}`).join('; '));
  return config;
}

async function build(type: string, raw: object, ctx: NodeContext): Promise<NodeInstance> {
  return registry.get(type)!.definition.create(configOf(type, raw), ctx);
}

/** Commits like a journal (asynchronously, in call order) and keeps the last committed sourceState. */
class FakeJournal {
  readonly entries: { records: DataRecord[]; sourceState: unknown }[] = [];
  state: unknown;
  calls = 0;
  /** The error append number `call` fails with, if any. */
  fail: (call: number) => Error | undefined = () => undefined;
  afterCommit: () => void = () => undefined;

  append(records: DataRecord[], options?: AppendOptions): Promise<{ offset: number }> {
    const call = ++this.calls;
    return new Promise((resolve, reject) => setImmediate(() => {
      const error = this.fail(call);
      if (error) return reject(error);
      this.entries.push({ records, sourceState: options?.sourceState });
      this.state = options?.sourceState;
      resolve({ offset: this.entries.length });
      this.afterCommit();
    }));
  }

  records = (): DataRecord[] => this.entries.flatMap((e) => e.records);
}

// Shaped like server/journal/errors.ts, whose message already starts with "journal full:".
const journalFull = (): Error => Object.assign(new Error('journal full: quota of 1 MB reached'), { code: 'JOURNAL_FULL' });

function context(journal: FakeJournal): { ctx: NodeContext; statuses: NodeStatus[]; warnings: string[]; abort(): void } {
  const controller = new AbortController();
  const statuses: NodeStatus[] = [];
  const warnings: string[] = [];
  const ctx = nodeContext({
    nodeId: 'sim', signal: controller.signal,
    log: { info: () => undefined, warn: (msg) => warnings.push(msg), error: (msg) => assert.fail(`unexpected error log: ${msg}`) },
    status: (s) => statuses.push(s),
    debug: () => assert.fail('simulate does not debug'),
    append: (records, options) => journal.append(records, options),
    sourceState: <T>() => journal.state as T | undefined,
  });
  return { ctx, statuses, warnings, abort: () => controller.abort() };
}

async function waitFor(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function runToDone(raw: object, journal = new FakeJournal()): Promise<{ journal: FakeJournal; statuses: NodeStatus[]; warnings: string[] }> {
  const { ctx, statuses, warnings } = context(journal);
  const node = await build('simulate', raw, ctx);
  await node.start?.();
  await waitFor('status done', () => statuses.at(-1)?.state === 'done');
  await node.stop?.();
  return { journal, statuses, warnings };
}

function assertSeqs(records: DataRecord[], count: number): void {
  const seqs = records.map((r) => r.seq as number).sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: count }, (_, i) => i), 'every seq exactly once');
}

const fast = { ratePerSecond: 0, batchSize: 50 };

test('the same seed gives the same values; another seed does not', async () => {
  const raw = { ...fast, limit: 300, seed: 7, value: { amplitude: 0, noise: 2 } };
  const a = (await runToDone(raw)).journal.records();
  const b = (await runToDone(raw)).journal.records();
  const c = (await runToDone({ ...raw, seed: 8 })).journal.records();
  assertSeqs(a, 300);
  assert.deepEqual(a.map((r) => r.value), b.map((r) => r.value));
  assert.notDeepEqual(a.map((r) => r.value), c.map((r) => r.value));
  assert.equal(a[13]!.sensor, 'sim-3');
});

test('a reading is a pure function of seed, seq and ts', async () => {
  const raw = { ...fast, limit: 120, seed: 3, unit: '°C', value: { drift: 10, periodS: 60 } };
  const { journal } = await runToDone(raw);
  const factory = new ReadingFactory(configOf('simulate', raw) as ReadingSpec, (journal.state as { originTs: number }).originTs);
  for (const r of journal.records()) assert.deepEqual(factory.make(r.seq as number, r.ts as number), r);
});

test('a restart resumes the sequence without gaps or duplicates and respects limit', async () => {
  const journal = new FakeJournal();
  const first = context(journal);
  journal.afterCommit = () => { if (journal.entries.length === 3) first.abort(); };
  const node = await build('simulate', { ...fast, limit: 1000, batchSize: 100 }, first.ctx);
  await node.start?.();
  await waitFor('the first run to stop', () => journal.entries.length >= 3);
  await node.stop?.();
  const committed = journal.records().length;
  assert.ok(committed < 1000, `stopped early (${committed})`);
  assert.deepEqual(journal.state, { nextSeq: committed, originTs: (journal.state as { originTs: number }).originTs });
  assert.notEqual(first.statuses.at(-1)?.state, 'done');
  journal.afterCommit = () => undefined;
  await runToDone({ ...fast, limit: 1000, batchSize: 100 }, journal);
  const all = journal.records();
  assert.equal(all.length, 1000);
  assert.deepEqual(all.map((r) => r.seq), Array.from({ length: 1000 }, (_, i) => i), 'in order, no gap, no duplicate');
  const appendsBefore = journal.calls;
  const third = await runToDone({ ...fast, limit: 1000, batchSize: 100 }, journal);
  assert.equal(journal.calls, appendsBefore, 'nothing generated past the limit');
  assert.equal(third.statuses.at(-1)?.text, '1000 readings (limit reached)');
});

test('malformedRatio spoils about that share of readings, all rejected by validate', async () => {
  const { journal } = await runToDone({ ...fast, limit: 4000, batchSize: 500, malformedRatio: 0.25 });
  const validate = await build('validate', {}, context(new FakeJournal()).ctx);
  const meta: BatchMeta = { offset: 1, ts: Date.now() };
  const result = (await validate.process!(journal.records(), meta)) as Outputs;
  const share = (result.invalid?.length ?? 0) / 4000;
  assert.ok(share > 0.22 && share < 0.28, `share of invalid readings ${share}`);
  assert.equal((result.out?.length ?? 0) + (result.invalid?.length ?? 0), 4000);
  const kinds = new Set(result.invalid!.map((r) => String(r.reason).replace(/got .*/, 'got')));
  assert.deepEqual([...kinds].sort(), ['ts: missing', 'value: expected a finite number, got', 'value: missing', 'value: null']);
  const clean = (await runToDone({ ...fast, limit: 500 })).journal.records();
  assert.equal(((await validate.process!(clean, meta)) as Outputs).out, clean, 'no malformed reading at ratio 0');
});

test('a full journal pauses the source, which resumes without losing a seq', async () => {
  const journal = new FakeJournal();
  journal.fail = (call) => (call >= 2 && call <= 5 ? journalFull() : undefined);
  const { statuses } = await runToDone({ ...fast, limit: 600, batchSize: 100, retryMs: 5 }, journal);
  assert.match(statuses.find((s) => s.state === 'refused')?.text ?? '', /^journal full: quota of 1 MB reached; paused at seq 100$/);
  assert.deepEqual(journal.records().map((r) => r.seq), Array.from({ length: 600 }, (_, i) => i), 'journal order kept');
  assert.equal((journal.state as { nextSeq: number }).nextSeq, 600);
});

test('when a later append commits past a refused one, the cursor never moves back', async () => {
  const journal = new FakeJournal();
  journal.fail = (call) => (call === 2 ? journalFull() : undefined);
  await runToDone({ ...fast, limit: 500, batchSize: 100, retryMs: 5 }, journal);
  assertSeqs(journal.records(), 500);
  const cursors = journal.entries.map((e) => (e.sourceState as { nextSeq: number }).nextSeq);
  assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b), `cursors never decrease: ${cursors.join(',')}`);
  assert.equal(cursors.at(-1), 500);
});

test('with a rate, a refusal pauses the grid instead of skipping readings', async () => {
  const journal = new FakeJournal();
  journal.fail = (call) => (call === 2 || call === 3 ? journalFull() : undefined);
  const { statuses } = await runToDone({ ratePerSecond: 1000, batchMs: 10, limit: 80, retryMs: 30 }, journal);
  const records = journal.records();
  assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 80 }, (_, i) => i));
  const ts = records.map((r) => r.ts as number);
  assert.deepEqual(ts, [...ts].sort((a, b) => a - b), 'timestamps never go back');
  const largestStep = Math.max(...ts.slice(1).map((t, i) => t - ts[i]!));
  assert.ok(largestStep >= 30, `the grid moved on after the pause (largest step ${largestStep} ms)`);
  assert.ok(statuses.findIndex((s) => s.state === 'refused') < statuses.findLastIndex((s) => s.state === 'running'), 'running again');
});

test('other append failures are retried with a warning, nothing lost', async () => {
  const journal = new FakeJournal();
  journal.fail = (call) => (call <= 2 ? new Error('disk I/O error') : undefined);
  const { statuses, warnings } = await runToDone({ ...fast, limit: 200, retryMs: 5 }, journal);
  assertSeqs(journal.records(), 200);
  assert.ok(statuses.some((s) => s.state === 'error' && s.text === 'append failed: disk I/O error; retrying'));
  assert.deepEqual(warnings, ['append failed, retrying']);
});

test('a closed journal stops the source quietly', async () => {
  const journal = new FakeJournal();
  journal.fail = (call) => (call >= 3 ? Object.assign(new Error('journal is closed'), { code: 'JOURNAL_CLOSED' }) : undefined);
  const { ctx, statuses, warnings } = context(journal);
  const node = await build('simulate', { ...fast, retryMs: 5 }, ctx);
  await node.start?.();
  await waitFor('the appends to end', () => journal.calls >= 4);
  await node.stop?.();
  assert.equal(journal.calls, 4, 'no retry into a closed journal');
  assert.equal((journal.state as { nextSeq: number }).nextSeq, 100);
  assert.deepEqual(warnings, []);
  assert.ok(statuses.every((s) => s.state === 'running'), statuses.map((s) => s.state).join());
});

test('the quantity may not shadow a reading field', () => {
  const reg = registry.get('simulate')!;
  assert.equal(reg.check.Check(Value.Default(reg.definition.config, { quantity: 'ts' })), false);
  assert.equal(reg.check.Check(Value.Default(reg.definition.config, { quantity: 'temperature' })), true);
  assert.deepEqual(reg.outputs, ['out'], 'a source has no error port');
});

test('GPS positions are fixed per sensor and within the radius', async () => {
  const centre = { lat: 48.85, lon: 2.35 };
  const { journal } = await runToDone({ ...fast, limit: 400, sensors: 40, gps: { ...centre, radiusM: 250 } });
  const bySensor = new Map<unknown, { lat: number; lon: number }>();
  let farthest = 0;
  for (const r of journal.records()) {
    const p = { lat: r.lat as number, lon: r.lon as number };
    if (bySensor.has(r.sensor)) assert.deepEqual(p, bySensor.get(r.sensor), `${String(r.sensor)} does not move`);
    bySensor.set(r.sensor, p);
    const d = distanceM(centre, p);
    assert.ok(d <= 250 + 1e-6, `${String(r.sensor)} is ${d} m from the centre`);
    farthest = Math.max(farthest, d);
  }
  assert.equal(bySensor.size, 40);
  assert.ok(farthest > 150, `positions spread over the area (farthest ${farthest} m)`);
});

test('with a rate, timestamps follow the grid and readings come in several appends', async () => {
  const started = Date.now();
  const { journal } = await runToDone({ ratePerSecond: 500, batchMs: 20, limit: 60 });
  const records = journal.records();
  assertSeqs(records, 60);
  const t0 = records[0]!.ts as number;
  assert.ok(t0 >= started && t0 <= started + 100, 'first reading is stamped at start');
  for (const r of records) assert.equal((r.ts as number) - t0, Math.floor((r.seq as number) * 2));
  assert.ok(journal.entries.length >= 3, `spread over ${journal.entries.length} appends`);
  assert.ok(Date.now() - started >= 100, 'paced by the rate, not as fast as possible');
});

test('stop() ends an endless source promptly', async () => {
  const journal = new FakeJournal();
  const { ctx, statuses } = context(journal);
  const node = await build('simulate', { ratePerSecond: 1 }, ctx);
  await node.start?.();
  await waitFor('the first append', () => journal.entries.length === 1);
  const before = Date.now();
  await node.stop?.();
  assert.ok(Date.now() - before < 100, 'stop does not wait for the next reading');
  assert.equal(statuses.at(-1)?.state, 'running');
  const calls = journal.calls;
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(journal.calls, calls, 'no append after stop');
});

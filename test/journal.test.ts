import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JournalFullError } from '../server/journal/errors.js';
import { SqliteJournal } from '../server/journal/sqlite-journal.js';
import { tempDir } from './helpers/temp-dir.js';

const recs = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ seq: from + i, value: (from + i) * 1.5 }));

test('appends made in the same tick commit together and are acknowledged in order', async (t) => {
  const j = new SqliteJournal({ path: join(tempDir(t), 'j.db') });
  t.after(() => j.close());
  const acks = await Promise.all([j.append('a', 'out', recs(0, 3)), j.append('b', 'out', recs(3, 2)), j.appendTick(42)]);
  assert.deepEqual(acks.map((a) => a.offset), [1, 2, 3]);
  const entries = j.read(0, 10);
  assert.deepEqual(entries.map((e) => [e.offset, e.kind, e.node, e.records.length]), [[1, 'data', 'a', 3], [2, 'data', 'b', 2], [3, 'tick', '', 0]]);
  assert.equal(entries[2]!.ts, 42);
  assert.deepEqual(j.read(1, 1).map((e) => e.offset), [2]);
});

test('a reopened journal keeps entries, source cursors and the checkpoint; offsets keep growing after pruning', async (t) => {
  const path = join(tempDir(t), 'j.db');
  let now = 1_000_000;
  const first = new SqliteJournal({ path, retentionMs: 1000, now: () => now });
  await first.append('src', 'out', recs(0, 5), { cursor: 5 });
  await first.append('src', 'out', recs(5, 5), { cursor: 10 });
  first.commitCheckpoint(2, { tally: { n: 10 } });
  now += 5000;
  assert.equal(first.prune(now), 2, 'both entries are behind the checkpoint and older than the audit window');
  await first.close();

  const again = new SqliteJournal({ path, retentionMs: 1000, now: () => now });
  t.after(() => again.close());
  assert.deepEqual(again.sourceState('src'), { cursor: 10 });
  assert.deepEqual(again.checkpoint()?.snapshots, { tally: { n: 10 } });
  assert.equal(again.head(), 2);
  const { offset } = await again.append('src', 'out', recs(10, 1));
  assert.equal(offset, 3, 'offsets are never reused, even when every entry was pruned');
  assert.deepEqual(again.read(2, 10).map((e) => e.records[0]), [{ seq: 10, value: 15 }]);
});

test('entries inside the audit window or ahead of the checkpoint are never pruned', async (t) => {
  let now = 0;
  const j = new SqliteJournal({ path: join(tempDir(t), 'j.db'), retentionMs: 10_000, now: () => now });
  t.after(() => j.close());
  await j.append('s', 'out', recs(0, 1));
  now = 5_000;
  await j.append('s', 'out', recs(1, 1));
  await j.append('s', 'out', recs(2, 1));
  j.commitCheckpoint(2, {});
  now = 12_000;
  assert.equal(j.prune(now), 1, 'only the entry older than 10 s and behind the checkpoint');
  assert.equal(j.stats().entries, 2);
  assert.equal(j.stats().oldestTs, 5_000);
  now = 100_000;
  assert.equal(j.prune(now), 1);
  assert.deepEqual([...j.export(0, 10)].map((e) => e.offset), [3], 'the entry after the checkpoint stays');
  assert.equal(j.stats().entries, 1);
});

test('past the quota, append rejects with JournalFullError and accepts again once a checkpoint frees the backlog', async (t) => {
  const j = new SqliteJournal({ path: join(tempDir(t), 'j.db'), quotaBytes: 2048 });
  t.after(() => j.close());
  let accepted = 0;
  let refusal: unknown;
  for (let i = 0; i < 100 && !refusal; i++) {
    try {
      await j.append('s', 'out', recs(i * 10, 10));
      accepted++;
    } catch (err) {
      refusal = err;
    }
  }
  assert.ok(refusal instanceof JournalFullError, 'a typed refusal');
  assert.equal((refusal as JournalFullError).code, 'JOURNAL_FULL');
  assert.ok(accepted > 0 && j.stats().backlogBytes <= 2048);
  assert.equal(j.head(), accepted, 'nothing refused was written');
  j.commitCheckpoint(j.head(), {});
  assert.equal(j.stats().backlogBytes, 0);
  await j.append('s', 'out', recs(0, 10));
});

test('a reader far behind gets entries from disk and memory stays bounded by the cache budget', async (t) => {
  const j = new SqliteJournal({ path: join(tempDir(t), 'j.db'), cacheBytes: 4096 });
  t.after(() => j.close());
  for (let i = 0; i < 200; i++) await j.append('s', 'out', recs(i * 5, 5));
  let pos = 0;
  const seen: number[] = [];
  while (pos < j.head()) {
    const batch = j.read(pos, 16);
    assert.ok(batch.length > 0);
    for (const e of batch) {
      assert.equal(e.offset, pos + 1, 'contiguous offsets');
      pos = e.offset;
      seen.push(...e.records.map((r) => r.seq as number));
    }
  }
  assert.deepEqual(seen, Array.from({ length: 1000 }, (_, i) => i));
  await j.append('s', 'out', recs(1000, 1));
  assert.deepEqual(j.read(pos, 16).map((e) => e.records[0]!.seq), [1000], 'caught up: served again from the cache');
});

test('full durability commits with fsync and reads back the same', async (t) => {
  const j = new SqliteJournal({ path: join(tempDir(t), 'j.db'), durability: 'full' });
  t.after(() => j.close());
  await j.append('s', 'out', recs(0, 2));
  assert.deepEqual([...j.export(0, 1)][0]!.records, recs(0, 2));
});

test('one read holds a few megabytes of records however many entries are asked for, from memory or from disk', async (t) => {
  // 1 MB entries: a reader asking for 64 of them would hold hundreds of megabytes of parsed records.
  const big = (from: number) => Array.from({ length: 20_000 }, (_, i) => ({ seq: from + i, sensor: 'vibration-sensor-07', value: 0.123456789 }));
  for (const cacheBytes of [64 * 1024 * 1024, 0]) {
    const j = new SqliteJournal({ path: join(tempDir(t), 'j.db'), cacheBytes });
    t.after(() => j.close());
    await Promise.all(Array.from({ length: 12 }, (_, i) => j.append('s', 'out', big(i * 20_000))));
    const first = j.read(0, 64);
    assert.ok(first.length >= 1 && first.length < 12, `${first.length} of 12 one-megabyte entries in one read (cache ${cacheBytes} bytes)`);
    let pos = first.at(-1)!.offset;
    while (pos < j.head()) pos = j.read(pos, 64).at(-1)!.offset;
    assert.equal(pos, 12, 'later reads continue where the first stopped');
  }
});

test('a journal made with 4 KB pages by an earlier version opens, keeps its entries and takes new ones', async (t) => {
  const path = join(tempDir(t), 'j.db');
  const old = new Database(path);
  old.pragma('page_size = 4096');
  old.pragma('journal_mode = WAL');
  old.close();
  const first = new SqliteJournal({ path });
  await first.append('src', 'out', recs(0, 2000));
  await first.close();

  const again = new SqliteJournal({ path });
  t.after(() => again.close());
  await again.append('src', 'out', recs(2000, 10));
  assert.deepEqual(again.read(0, 10).map((e) => [e.offset, e.records.length, e.records[0]!.seq]), [[1, 2000, 0], [2, 10, 2000]]);
  const check = new Database(path, { readonly: true });
  t.after(() => check.close());
  assert.equal(check.pragma('page_size', { simple: true }), 4096, 'the page size of an existing journal is left alone');
});

test('under a steady stream of commits the write-ahead log stays bounded, and a reopened journal has every entry', async (t) => {
  const path = join(tempDir(t), 'j.db');
  const j = new SqliteJournal({ path });
  // 0.9 MB entries, 200 of them, as fast as they commit: SQLite's checkpoints run on another thread here.
  const big = Array.from({ length: 10_000 }, (_, i) => ({ seq: i, sensor: `s${i % 100}`, value: i / 7, note: 'x'.repeat(40) }));
  let largestLog = 0;
  for (let i = 0; i < 200; i++) {
    await j.append('src', 'out', big);
    largestLog = Math.max(largestLog, statSync(`${path}-wal`).size);
  }
  assert.equal(j.stats().checkpointThreadError, null);
  await j.close();
  assert.ok(largestLog < 128 * 1024 ** 2, `the log grew to ${Math.round(largestLog / 1024 ** 2)} MB while 180 MB were committed`);
  assert.equal(existsSync(`${path}-wal`), false, 'closing copies the rest of the log into the database and removes it');
  const again = new SqliteJournal({ path });
  t.after(() => again.close());
  assert.equal(again.head(), 200);
  assert.deepEqual([...again.export(199, 1)].map((e) => [e.offset, e.records.length, (e.records[9_999] as { seq: number }).seq]), [[200, 10_000, 9_999]]);
});

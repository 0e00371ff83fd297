import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeenIds } from '../server/journal/jetstream/seen-ids.js';

const MIN = 60_000;

test('a message id is a repeat within the duplicate window of its first copy, by message time, and fresh after it', () => {
  const seen = new SeenIds(10 * MIN, 1000);
  assert.equal(seen.repeatOf('a', 0), undefined, 'first copy');
  assert.equal(seen.repeatOf('a', 10 * MIN), 0, 'a second copy 10 minutes later is still a repeat of the first');
  assert.equal(seen.repeatOf('a', 10 * MIN + 1), undefined, 'past the window the id is a fresh delivery');
  assert.equal(seen.repeatOf('a', 12 * MIN), 10 * MIN + 1, 'which then starts a window of its own');
});

test('ids older than the window are forgotten as time goes on, and memory stays within its bound', () => {
  const seen = new SeenIds(10 * MIN, 1000);
  for (let i = 0; i < 100; i++) seen.remember(`old${i}`, i);
  seen.remember('new', 11 * MIN);
  assert.equal(seen.size, 1, 'only the id inside the window is kept');
  assert.equal(seen.evictedEarly, 0);

  const small = new SeenIds(10 * MIN, 3);
  for (let i = 0; i < 5; i++) small.remember(`id${i}`, i);
  assert.equal(small.size, 3);
  assert.equal(small.evictedEarly, 2, 'the oldest ids went early, and that is counted');
  assert.equal(small.repeatOf('id4', 10), 4);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../server/auth/passwords.js';
import { parseScopes } from '../server/auth/roles.js';
import { newApiToken, parseApiToken } from '../server/auth/secrets.js';
import { LoginThrottle, RateLimiter } from '../server/auth/throttle.js';

test('passwords are stored as salted scrypt hashes that name their parameters', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  // Parameters come from the stored hash, so raising them later keeps old hashes valid.
  const [, , , , salt] = a.split('$');
  await assert.rejects(verifyPassword('x', `bcrypt$${salt}`), /not in the scrypt/);
});

test('API tokens carry a lookup id and a 256-bit secret; anything else is not a token', () => {
  const { id, token } = newApiToken();
  assert.deepEqual(parseApiToken(token), { id, secret: token.slice(`slu_${id}_`.length) });
  for (const bad of ['', 'slu_', `${token}x`, token.replace('slu_', 'sk_'), 'Bearer abc']) assert.equal(parseApiToken(bad), null, bad);
});

test('token scopes: one role alone, or external read scopes', () => {
  assert.deepEqual(parseScopes(['editor']), { scopes: ['editor'] });
  assert.deepEqual(parseScopes(['flow:a', 'alerts:a', 'flow:a']), { scopes: ['flow:a', 'alerts:a'] });
  assert.match((parseScopes(['viewer', 'flow:a']) as { error: string }).error, /stands alone/);
  assert.match((parseScopes(['flow:../x']) as { error: string }).error, /unknown scope "flow:..\/x"/);
  assert.match((parseScopes(['root']) as { error: string }).error, /unknown scope "root"/);
  assert.match((parseScopes([]) as { error: string }).error, /needs a scope/);
});

test('the login throttle blocks a key for the rest of its window; the rate limiter refills over time', () => {
  let now = 1_000_000;
  const throttle = new LoginThrottle(2, 60_000, () => now);
  throttle.fail('ana');
  assert.equal(throttle.blockedFor('ana'), 0);
  throttle.fail('ana');
  assert.equal(throttle.blockedFor('ana'), 60_000);
  now += 59_000;
  assert.equal(throttle.blockedFor('ana'), 1_000);
  now += 1_000;
  assert.equal(throttle.blockedFor('ana'), 0, 'a new window');

  const limiter = new RateLimiter(() => now);
  assert.deepEqual([1, 2, 3].map(() => limiter.take('t', 2)), [0, 0, 30_000]);
  now += 30_000;
  assert.equal(limiter.take('t', 2), 0, 'one request back after half a minute');
  assert.equal(limiter.take('u', 2), 0, 'each key has its own bucket');
});

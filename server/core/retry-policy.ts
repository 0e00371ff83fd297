import type { RetryPolicy } from './types.js';

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, backoffMs: 200, maxBackoffMs: 30_000, jitter: 0.2 };

/** Delay before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 1));
  const spread = base * Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base - spread + random() * spread);
}

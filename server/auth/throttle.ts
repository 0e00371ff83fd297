/**
 * Failed logins per key (a user name, an IP address) in a fixed window: past `maxFailures`, the key is
 * refused until the window ends. Kept in memory: a restart forgives, which costs an attacker a restart
 * they cannot cause.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; windowEnds: number }>();

  constructor(private readonly maxFailures: number, private readonly windowMs: number, private readonly now = Date.now) {}

  /** Milliseconds until the key may try again, or 0. */
  blockedFor(key: string): number {
    const f = this.current(key);
    return f && f.count >= this.maxFailures ? f.windowEnds - this.now() : 0;
  }

  fail(key: string): void {
    const f = this.current(key);
    if (f) f.count++;
    else this.failures.set(key, { count: 1, windowEnds: this.now() + this.windowMs });
    if (this.failures.size > 100_000) this.prune();
  }

  reset(key: string): void {
    this.failures.delete(key);
  }

  private current(key: string) {
    const f = this.failures.get(key);
    if (f && f.windowEnds <= this.now()) {
      this.failures.delete(key);
      return undefined;
    }
    return f;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, f] of this.failures) if (f.windowEnds <= now) this.failures.delete(key);
  }
}

/** A token bucket per key, refilled at `perMinute`, holding at most `perMinute` requests (a minute's burst). */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now = Date.now) {}

  /** 0 when the request may go, else the milliseconds until one more is allowed. */
  take(key: string, perMinute: number): number {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) * perMinute) / 60_000);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) * 60_000) / perMinute);
  }
}

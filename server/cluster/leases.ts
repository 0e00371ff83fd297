import type { Logger } from '../core/types.js';
import type { Membership } from './membership.js';
import { isWrongSequence, type NatsLink } from './nats-link.js';
import { WatchedBucket } from './watched-bucket.js';

export interface LeaseTiming {
  /** How often an owner renews (compare-and-set on the revision). */
  renewMs: number;
  /** A lease whose revision did not change for this long, as seen by another server, may be taken over. */
  ttlMs: number;
  /** An owner stops acting this long before others may take over: room for one write in flight. */
  marginMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { renewMs: 1000, ttlMs: 5000, marginMs: 1500 };

export interface LeaseValue {
  owner: string;
  incarnation: string;
  /** The owner's wall clock at the write: shown in the cluster view, never used to judge expiry. */
  at: number;
}

export interface Lease {
  readonly key: string;
  /** The revision the lease was acquired at: the fencing token written into checkpoints. */
  readonly token: number;
  /** True while this server may act for the key: renewed within the window, and not lost. */
  valid(): boolean;
}

export interface LeaseWork {
  /** Start the work; a rejection releases the lease again. */
  acquired(lease: Lease): Promise<void>;
  /** Stop at once: the lease is lost (another server may own it already). */
  lost(lease: Lease, reason: string): Promise<void>;
  /** Stop cleanly (a checkpoint), while the lease is still renewed; it is released afterwards. */
  release(lease: Lease): Promise<void>;
}

interface Held {
  key: string;
  work: LeaseWork;
  token: number;
  revision: number;
  /** performance.now() when the last successful write (acquire or renewal) was sent. */
  sentAt: number;
  renewing: boolean;
  state: 'starting' | 'running' | 'releasing' | 'lost';
  lease: Lease;
}

export interface LeaseView {
  key: string;
  owner: string | null;
  /** Time since the lease's revision last changed, seen here. */
  ageMs: number;
  revision: number;
  mine: boolean;
}

/**
 * Leases in a KV bucket: one key per partition (and per singleton source), taken with create or a
 * compare-and-set on an expired revision, renewed by compare-and-set every `renewMs`. Expiry is judged by each
 * server on its own monotonic clock from when it saw the revision change, so no two clocks are compared; an owner
 * considers itself valid only until `sentAt + ttl − margin` of its last successful renewal, which is before any
 * other server can see it expired. Each server takes at most its fair share (keys ÷ live servers, rounded up) and
 * gives back what exceeds it, so partitions spread out when servers join.
 */
export class LeaseTable {
  private readonly wanted = new Map<string, { work: LeaseWork; since: number }>();
  /** Keys with an acquisition in flight: never two at once for one key. */
  private readonly acquiring = new Set<string>();
  private readonly held = new Map<string, Held>();
  private readonly timer: NodeJS.Timeout;
  private lastMove = 0;
  private closed = false;
  /** Keys whose work failed to start: not retried here before this time. */
  private readonly backoff = new Map<string, number>();

  private constructor(
    private readonly bucket: WatchedBucket<LeaseValue>,
    private readonly membership: Membership,
    private readonly incarnation: string,
    private readonly timing: LeaseTiming,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.tick(), timing.renewMs);
    this.timer.unref();
  }

  static async open(link: NatsLink, membership: Membership, incarnation: string, log: Logger, timing = DEFAULT_LEASE_TIMING): Promise<LeaseTable> {
    const kv = await link.bucket(link.names.bucket('LEASES'));
    const bucket = new WatchedBucket<LeaseValue>(kv, log, 'leases');
    await bucket.start();
    return new LeaseTable(bucket, membership, incarnation, timing, log);
  }

  private get serverId(): string {
    return this.membership.serverId;
  }

  /** Competes for `key` until the returned function is called (which releases it cleanly when held). */
  want(key: string, work: LeaseWork): () => Promise<void> {
    this.wanted.set(key, { work, since: performance.now() });
    queueMicrotask(() => this.tick());
    return async () => {
      if (this.wanted.get(key)?.work !== work) return;
      this.wanted.delete(key);
      const h = this.held.get(key);
      if (h && h.work === work) await this.release(h);
    };
  }

  /** The work of this lease gave up (it failed): release it without stopping the work again, and wait before retrying. */
  giveBack(lease: Lease): void {
    const h = this.held.get(lease.key);
    if (!h || h.token !== lease.token) return;
    this.backoff.set(lease.key, performance.now() + this.timing.ttlMs);
    void this.release(h, false);
  }

  owns(key: string): boolean {
    return this.held.get(key)?.lease.valid() ?? false;
  }

  view(): LeaseView[] {
    const now = performance.now();
    return this.bucket.entries().filter((s) => !s.deleted).map((s) => ({
      key: s.key, owner: s.value?.owner ?? null, ageMs: Math.round(now - s.seenAt), revision: s.revision, mine: this.held.has(s.key),
    }));
  }

  private tick(): void {
    // Renewals go on while closing: work being released still checkpoints under its lease.
    for (const h of this.held.values()) this.renew(h);
    if (!this.closed) this.acquireAndBalance();
  }

  private value(): Uint8Array {
    return Buffer.from(JSON.stringify({ owner: this.serverId, incarnation: this.incarnation, at: Date.now() } satisfies LeaseValue));
  }

  private renew(h: Held): void {
    if (h.renewing || h.state === 'lost') return;
    h.renewing = true;
    const sentAt = performance.now();
    const value = this.value();
    this.bucket.kv.update(h.key, value, h.revision).then((revision) => {
      h.revision = revision;
      h.sentAt = sentAt;
      this.bucket.note(h.key, JSON.parse(Buffer.from(value).toString()) as LeaseValue, revision);
    }, (err: unknown) => {
      if (isWrongSequence(err)) this.lose(h, 'another server took the lease over');
      else if (performance.now() > h.sentAt + this.timing.ttlMs - this.timing.marginMs) this.lose(h, `lease not renewed in time: ${(err as Error).message}`);
    }).finally(() => { h.renewing = false; });
  }

  private lose(h: Held, reason: string): void {
    if (h.state === 'lost') return;
    h.state = 'lost';
    this.held.delete(h.key);
    this.lastMove = performance.now();
    this.log.warn('lease lost; its work stops', { key: h.key, reason });
    h.work.lost(h.lease, reason).catch((err: unknown) => this.log.error('stopping after a lost lease failed', { key: h.key, error: String(err) }));
  }

  /** Leases (among those this server wants) held by each live server, as seen here. */
  private heldByServer(): Map<string, number> {
    const counts = new Map(this.membership.members().map((m) => [m.id, 0]));
    const now = performance.now();
    for (const key of this.wanted.keys()) {
      const seen = this.bucket.get(key);
      const owner = seen && !seen.deleted && now - seen.seenAt < this.timing.ttlMs ? seen.value?.owner : undefined;
      if (owner !== undefined && counts.has(owner)) counts.set(owner, counts.get(owner)! + 1);
    }
    return counts;
  }

  /**
   * Whether this server should be the one to hand a lease over to the least busy: above it by two or more, and the
   * busiest (the smallest id among equals). Without the tie-break the busiest servers all gave one up at once when a
   * server joined, and took each other's: partitions moved (a checkpoint and a restore each) for nothing.
   */
  private handsOverToLeastBusy(held: number): boolean {
    const counts = this.heldByServer();
    if (counts.size === 0 || held <= Math.min(...counts.values()) + 1) return false;
    return [...counts].every(([id, n]) => id === this.serverId || n < held || (n === held && id > this.serverId));
  }

  private share(): number {
    const servers = Math.max(1, this.membership.members().length);
    return Math.ceil(this.wanted.size / servers);
  }

  private acquireAndBalance(): void {
    const now = performance.now();
    const share = this.share();
    let held = [...this.held.values()].filter((h) => h.state !== 'releasing').length + this.acquiring.size;
    // Give one back at a time, once things settled, so partitions spread out when servers join: above the fair
    // share, or two more than the least busy live server (4 leases on 3 servers end as 2, 1, 1, never 2, 2, 0).
    if ((held > share || this.handsOverToLeastBusy(held)) && now - this.lastMove > 2 * this.timing.renewMs) {
      const newest = [...this.held.values()].filter((h) => h.state === 'running').at(-1);
      if (newest) {
        this.log.info('handing a lease over to even out the cluster', { key: newest.key, held, share });
        void this.release(newest);
        held--;
      }
    }
    const live = new Set(this.membership.members().map((m) => m.id));
    for (const [key, { work, since }] of this.wanted) {
      if (this.held.has(key) || this.acquiring.has(key) || (this.backoff.get(key) ?? 0) > now) continue;
      const seen = this.bucket.get(key);
      const free = !seen || seen.deleted;
      const quietFor = now - (seen?.seenAt ?? since);
      if (!free && quietFor < this.timing.ttlMs) continue;
      // Over the fair share, still take a lease whose owner left the cluster, or one that stayed free a while
      // (member views may lag): a dead server's partitions must not wait for the others to agree on shares.
      const unheldFor = free ? quietFor : quietFor - this.timing.ttlMs;
      const ownerGone = !free && !live.has(seen!.value?.owner ?? '');
      if (held >= share && !ownerGone && unheldFor < 2 * this.timing.ttlMs) continue;
      held++;
      this.acquiring.add(key);
      void this.acquire(key, work, free ? undefined : seen!.revision).finally(() => this.acquiring.delete(key));
    }
  }

  private async acquire(key: string, work: LeaseWork, expiredRevision: number | undefined): Promise<void> {
    const sentAt = performance.now();
    const value = this.value();
    let revision: number;
    try {
      revision = expiredRevision === undefined ? await this.bucket.kv.create(key, value) : await this.bucket.kv.update(key, value, expiredRevision);
    } catch {
      return; // another server was quicker: its write reaches the watch
    }
    if (this.closed || this.wanted.get(key)?.work !== work) {
      await this.bucket.kv.delete(key, { previousSeq: revision }).catch(() => undefined);
      return;
    }
    this.bucket.note(key, JSON.parse(Buffer.from(value).toString()) as LeaseValue, revision);
    const h: Held = {
      key, work, token: revision, revision, sentAt, renewing: false, state: 'starting',
      lease: {
        key, token: revision,
        valid: () => h.state !== 'lost' && performance.now() < h.sentAt + this.timing.ttlMs - this.timing.marginMs,
      },
    };
    this.held.set(key, h);
    this.lastMove = performance.now();
    this.log.info('lease acquired', { key, revision, takeover: expiredRevision !== undefined });
    try {
      await work.acquired(h.lease);
      if (h.state === 'starting') h.state = 'running';
    } catch (err) {
      this.log.error('work of an acquired lease did not start; lease released', { key, error: String(err) });
      this.backoff.set(key, performance.now() + 5000);
      if (h.state !== 'lost') await this.release(h, false);
    }
  }

  private async release(h: Held, stopWork = true): Promise<void> {
    if (h.state === 'releasing' || h.state === 'lost') return;
    h.state = 'releasing';
    this.lastMove = performance.now();
    try {
      if (stopWork) await h.work.release(h.lease);
    } catch (err) {
      this.log.error('work did not stop cleanly before its lease was released', { key: h.key, error: String(err) });
    }
    this.held.delete(h.key);
    while (h.renewing) await new Promise((r) => setTimeout(r, 10));
    // Deleted, not left to expire: the next owner takes it over at once.
    await this.bucket.kv.delete(h.key, { previousSeq: h.revision }).catch((err: unknown) => this.log.warn('lease not released; it expires instead', { key: h.key, error: String(err) }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.held.values()].map((h) => this.release(h)));
    clearInterval(this.timer);
    await this.bucket.stop();
  }
}

import type { Logger } from '../core/types.js';
import type { NatsLink } from './nats-link.js';
import { WatchedBucket } from './watched-bucket.js';

export interface MemberInfo {
  /** The server's HTTP address, as it printed it. */
  url: string;
  startedAt: number;
  incarnation: string;
}

export interface Member {
  id: string;
  info: MemberInfo;
  /** How long ago its last heartbeat was seen here. */
  lastSeenMs: number;
  self: boolean;
}

/**
 * The servers of the cluster: each puts its key every `heartbeatMs`; a server whose key did not change for
 * `ttlMs` (seen here) is gone. The bucket's max_age removes the keys of servers that never come back.
 */
export class Membership {
  private readonly timer: NodeJS.Timeout;
  private beating: Promise<unknown> | undefined;

  private constructor(
    private readonly bucket: WatchedBucket<MemberInfo>,
    readonly serverId: string,
    private info: MemberInfo,
    private readonly ttlMs: number,
    heartbeatMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => this.beat(), heartbeatMs);
    this.timer.unref();
  }

  static async open(link: NatsLink, serverId: string, info: MemberInfo, log: Logger, timing = { heartbeatMs: 1000, ttlMs: 5000 }): Promise<Membership> {
    const kv = await link.bucket(link.names.bucket('SERVERS'), { ttl: 60_000 });
    const bucket = new WatchedBucket<MemberInfo>(kv, log, 'cluster members');
    await bucket.start();
    const m = new Membership(bucket, serverId, info, timing.ttlMs, timing.heartbeatMs, log);
    await m.beat();
    return m;
  }

  /** The HTTP address is known only once the server listens. */
  setUrl(url: string): void {
    this.info = { ...this.info, url };
    // After the heartbeat in flight, which carries the old info.
    void (this.beating ?? Promise.resolve()).then(() => this.beat());
  }

  private beat(): Promise<unknown> {
    this.beating ??= this.bucket.kv.put(this.serverId, Buffer.from(JSON.stringify(this.info)))
      .then((rev) => this.bucket.note(this.serverId, this.info, rev))
      .catch((err: unknown) => this.log.warn('cluster heartbeat failed', { error: String(err) }))
      .finally(() => { this.beating = undefined; });
    return this.beating;
  }

  members(): Member[] {
    const now = performance.now();
    return this.bucket.entries()
      .filter((s) => !s.deleted && s.value && now - s.seenAt < this.ttlMs)
      .map((s) => ({ id: s.key, info: s.value!, lastSeenMs: Math.round(now - s.seenAt), self: s.key === this.serverId }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    await this.bucket.kv.delete(this.serverId).catch((err: unknown) => this.log.warn('could not leave the cluster cleanly', { error: String(err) }));
    await this.bucket.stop();
  }
}

import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { Logger } from '../core/types.js';
import { ClusterNames } from '../journal/jetstream/names.js';

/** How `sluice start --cluster …` reaches NATS. */
export interface NatsSettings {
  /** `nats://host:port` URLs; Sluice connects only to these (no discovery), so firewalls and TLS names stay predictable. */
  servers: string[];
  /** Every server started with the same cluster name (and NATS) is one Sluice cluster. */
  clusterName: string;
  user?: string;
  password?: string;
  token?: string;
  /** A NATS credentials file (JWT and NKey seed). */
  credsFile?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

/**
 * One server's connection to the NATS cluster, shared by the journal (streams, checkpoints, dead letters) and the
 * cluster's coordination (leases, membership). Pings every 2 s so a cut-off link is noticed within seconds.
 */
export class NatsLink {
  private up = true;
  private quick: JetStreamManager | undefined;
  private readonly statusLoop: Promise<void>;

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly names: ClusterNames,
    private readonly log: Logger,
  ) {
    this.statusLoop = this.watchStatus();
  }

  static async connect(settings: NatsSettings, log: Logger): Promise<NatsLink> {
    const names = new ClusterNames(settings.clusterName);
    const options: ConnectionOptions = {
      servers: settings.servers, name: `sluice-${settings.clusterName}`,
      maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 2000, maxPingOut: 2,
      ignoreClusterUpdates: true, timeout: 5000,
    };
    if (settings.user !== undefined) {
      options.user = settings.user;
      options.pass = settings.password ?? '';
    }
    if (settings.token !== undefined) options.token = settings.token;
    if (settings.credsFile !== undefined) options.authenticator = credsAuthenticator(readFileSync(settings.credsFile));
    if (settings.tls) options.tls = { ...settings.tls };
    const nc = await connect(options);
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    return new NatsLink(nc, jetstream(nc, { timeout: 10_000 }), jsm, names, log);
  }

  /** Whether the connection is up right now; sources refuse (503, no PUBACK) while it is not. */
  get connected(): boolean {
    return this.up && !this.nc.isClosed();
  }

  /** Largest message the NATS servers accept (`max_payload`, 1 MB by default). */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  /** NATS servers in the cluster the connection sees (1 for a single server). */
  get natsServers(): number {
    return Math.max(1, this.nc.info?.connect_urls?.length ?? 1);
  }

  /** Replicas for Sluice's own streams and buckets: 3 where the NATS cluster has them. */
  get defaultReplicas(): number {
    return Math.min(3, this.natsServers);
  }

  /**
   * Creates the stream, or updates the settings Sluice owns (subjects, replicas, description) of an existing one;
   * returns the description and message count it had (undefined when it is new).
   */
  async ensureStream(config: Partial<StreamConfig> & { name: string }): Promise<{ description: string; messages: number } | undefined> {
    // Servers deploying the same flow at once race to create its streams, and a busy meta leader can time out:
    // both are answered by looking again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ensureStreamOnce(config);
      } catch (err) {
        const retriable = /timeout|already in use|TIMEOUT/i.test(String((err as Error).message));
        if (!retriable || attempt >= 4) throw err;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  }

  private async ensureStreamOnce(config: Partial<StreamConfig> & { name: string }): Promise<{ description: string; messages: number } | undefined> {
    const existing = await this.streamInfo(config.name);
    if (!existing) {
      await this.jsm.streams.add(config);
      await this.leaderOf(config.name);
      return undefined;
    }
    // Created by another server a moment ago: its leader may not be elected yet, and a first read would go unanswered.
    if (existing.config.num_replicas > 1 && !existing.cluster?.leader) await this.leaderOf(config.name);
    const before = { description: existing.config.description ?? '', messages: existing.state.messages };
    const c = existing.config;
    const wanted = { subjects: config.subjects ?? c.subjects, num_replicas: config.num_replicas ?? c.num_replicas, description: config.description ?? c.description };
    if (JSON.stringify(c.subjects) === JSON.stringify(wanted.subjects) && c.num_replicas === wanted.num_replicas && c.description === wanted.description) return before;
    await this.jsm.streams.update(config.name, { ...c, ...wanted });
    return before;
  }

  /**
   * Waits until a new replicated stream elected its leader: until then requests to it (a read of the last entry of a
   * source, say) hang until they time out.
   */
  private async leaderOf(name: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    let lastError: unknown;
    while (Date.now() < deadline) {
      // While the leader is being elected JetStream may answer with an error rather than the info: ask again.
      const info = await this.streamInfo(name).catch((err: unknown) => { lastError = err; return undefined; });
      if (info && (info.config.num_replicas <= 1 || info.cluster?.leader)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.log.warn('a stream elected no leader within 30 s; going on', { stream: name, error: lastError === undefined ? undefined : String(lastError) });
  }

  /**
   * A read that must not wait out the API's 10 s timeout: asked again every 2 s (a stream that was just created by
   * several servers at once may leave a first request unanswered), for up to `forMs`.
   */
  async readSoon<T>(read: (jsm: JetStreamManager) => Promise<T>, forMs = 30_000): Promise<T> {
    this.quick ??= await jetstreamManager(this.nc, { timeout: 2000 });
    const deadline = Date.now() + forMs;
    for (;;) {
      try {
        return await read(this.quick);
      } catch (err) {
        if (!/timeout/i.test(String((err as Error).message)) || Date.now() > deadline) throw err;
      }
    }
  }

  /**
   * The stream's info, undefined when it does not exist. Asked with `readSoon`: while servers deploying the same
   * flow at once create its stream, a request can reach it before its leader is elected and go unanswered, and
   * waiting out the API's 10 s timeout left one server without the flow (and the others trading its partitions).
   */
  streamInfo(name: string): Promise<StreamInfo | undefined> {
    return this.readSoon((jsm) => jsm.streams.info(name)).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
  }

  /** Opens a KV bucket, creating it (history 1, file storage, the default replicas) when missing. */
  async bucket(name: string, options: Partial<KvOptions> = {}): Promise<KV> {
    return new Kvm(this.nc).create(name, { history: 1, replicas: this.defaultReplicas, ...options });
  }

  /** Drains the connection; one that cannot (NATS out of reach) is closed after a few seconds. */
  async close(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const drained = this.nc.drain().catch((err: unknown) => this.log.warn('NATS connection did not drain cleanly', { error: String(err) }));
    await Promise.race([drained, new Promise((r) => { timer = setTimeout(r, 3000); })]);
    clearTimeout(timer);
    if (!this.nc.isClosed()) await this.nc.close();
    await this.statusLoop;
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.up = false;
        this.log.warn('disconnected from NATS; sources refuse until the link is back', { server: s.server });
      } else if (s.type === 'reconnect') {
        this.up = true;
        this.log.info('reconnected to NATS', { server: s.server });
      }
    }
  }
}

/** JetStream's "not found" answers (stream, consumer or message): code 404 or API error 10059. */
export function isNotFound(err: unknown): boolean {
  const e = err as { code?: unknown; api_error?: { err_code?: number; code?: number } } | undefined;
  return e?.api_error?.code === 404 || e?.api_error?.err_code === 10059 || e?.code === 404 || /not found/i.test(String((err as Error)?.message));
}

/** JetStream's "wrong last sequence" answer to a compare-and-set (API error 10071). */
export function isWrongSequence(err: unknown): boolean {
  const e = err as { code?: unknown; api_error?: { err_code?: number } } | undefined;
  return e?.api_error?.err_code === 10071 || e?.code === 10071 || /wrong last sequence/i.test(String((err as Error)?.message));
}

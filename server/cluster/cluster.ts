import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../core/types.js';
import { openStores, type JetStreamStores } from '../journal/jetstream/flow-journal.js';
import { token } from '../journal/jetstream/names.js';
import { DEFAULT_LEASE_TIMING, LeaseTable, type LeaseTiming } from './leases.js';
import { Membership } from './membership.js';
import { NatsLink, type NatsSettings } from './nats-link.js';

/**
 * This server's membership of a Sluice cluster: the NATS link, the shared JetStream stores, the member list and
 * the lease table. One per server process; flows get their partitions and singletons through `leases`.
 */
export class Cluster {
  private constructor(
    readonly name: string,
    readonly incarnation: string,
    readonly serverId: string,
    readonly link: NatsLink,
    readonly stores: JetStreamStores,
    readonly membership: Membership,
    readonly leases: LeaseTable,
    readonly timing: LeaseTiming,
  ) {}

  static async join(settings: NatsSettings, options: { serverId: string; log: Logger; timing?: LeaseTiming }): Promise<Cluster> {
    const link = await NatsLink.connect(settings, options.log);
    try {
      const timing = options.timing ?? DEFAULT_LEASE_TIMING;
      const stores = await openStores(link);
      const incarnation = randomBytes(6).toString('base64url');
      const membership = await Membership.open(link, options.serverId, { url: '', startedAt: Date.now(), incarnation }, options.log,
        { heartbeatMs: timing.renewMs, ttlMs: timing.ttlMs });
      const leases = await LeaseTable.open(link, membership, incarnation, options.log, timing);
      return new Cluster(settings.clusterName, incarnation, options.serverId, link, stores, membership, leases, timing);
    } catch (err) {
      await link.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.leases.close();
    await this.membership.close();
    await this.link.close();
  }
}

/**
 * The server's id in the cluster: given, or made once and kept in the data directory, so a restarted server is
 * the same member (its MQTT client ids, and its writer subjects, stay the same).
 */
export function serverIdOf(dataDir: string, given: string | undefined): string {
  if (given !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(given)) throw new Error(`--server-id must be 1 to 64 letters, digits, _, - or ., got "${given}"`);
    return given;
  }
  const file = join(dataDir, 'server-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const id = `${token(hostname()).slice(0, 40)}-${randomBytes(3).toString('hex')}`;
  writeFileSync(file, `${id}\n`);
  return id;
}

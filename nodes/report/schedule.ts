import type { ReportService } from '../../server/core/services.js';
import { nextCronTime, parseCron, type CronSchedule } from '../lib/cron.js';
import type { ReportConfig } from './config.js';
import type { RunRequest } from './ingest.js';
import { previousPeriod } from './period.js';

/** What the schedule keeps in the flow's checkpoints. */
export interface ScheduleState {
  /** The last journaled tick seen: requests made since are taken up at the next one. */
  lastTick: number | null;
  /** The schedule's next instant. */
  nextAt: number | null;
}

/** Past this many missed runs (a server off for long, a schedule of every minute), the rest are skipped and said so. */
const MAX_CATCH_UP = 1000;
/**
 * With no state yet (a first deploy, a changed config), the first tick takes up requests made this long before
 * it, and a scheduled minute that passed within the minute before it. Both depend on that tick's time only,
 * so a replay of it makes the same runs; runs made twice find their documents and send nothing again.
 */
const FIRST_TICK_REQUESTS_MS = 3_600_000;
const MINUTE = 60_000;

/**
 * Turns journaled ticks into runs: the schedule's instants that passed (all of them after a downtime,
 * one run per period) and the "Run now" requests made since the last tick. It reads only its state, the
 * tick's time and the append-only request log, so a replay after a crash makes the same runs.
 */
export class Schedule {
  private readonly cron: CronSchedule;
  state: ScheduleState = { lastTick: null, nextAt: null };
  /** Runs skipped by the last catch-up, for the status. */
  skipped = 0;

  constructor(private readonly cfg: ReportConfig) {
    this.cron = parseCron(cfg.schedule);
  }

  due(now: number, requests: ReportService['requests'], flowId: string, nodeId: string): RunRequest[] {
    const since = this.state.lastTick ?? now - FIRST_TICK_REQUESTS_MS;
    this.state.nextAt ??= nextCronTime(this.cron, now - MINUTE, this.cfg.timeZone);
    const runs = new Map<string, RunRequest>();
    let n = 0;
    while (this.state.nextAt <= now && n < MAX_CATCH_UP) {
      const key = previousPeriod(this.cfg.period, this.state.nextAt, this.cfg.timeZone).key;
      // A schedule that runs more often than its period (daily runs of a monthly report) covers each period once.
      if (!runs.has(key)) runs.set(key, { kind: 'scheduled', at: now, scheduledAt: this.state.nextAt, periodKey: key });
      this.state.nextAt = nextCronTime(this.cron, this.state.nextAt, this.cfg.timeZone);
      n++;
    }
    this.skipped = 0;
    if (this.state.nextAt <= now) {
      const resume = nextCronTime(this.cron, now, this.cfg.timeZone);
      for (let t = this.state.nextAt; t <= now && this.skipped < 1_000_000; t = nextCronTime(this.cron, t, this.cfg.timeZone)) this.skipped++;
      this.state.nextAt = resume;
    }
    const asked = requests(flowId, nodeId, since, now).map((r): RunRequest => ({
      kind: 'requested', at: now, requestId: r.id, requestedBy: r.requestedBy,
      periodKey: r.periodKey ?? previousPeriod(this.cfg.period, r.requestedAt, this.cfg.timeZone).key,
    }));
    this.state.lastTick = now;
    return [...runs.values(), ...asked];
  }
}

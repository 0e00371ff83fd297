import type { NodeContext } from '../../server/core/types.js';

/**
 * A widget's live updates, throttled: after `changed()`, one `ctx.publish(build())` at most every
 * `intervalMs`, carrying whatever `build` gathers then (new points, changed rows). A flow writing a
 * million points a second still sends a browser a few small messages a second.
 */
export class LiveThrottle {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private stopped = false;

  constructor(
    private readonly ctx: Pick<NodeContext, 'publish' | 'log'>,
    private readonly intervalMs: number,
    private readonly build: () => unknown,
  ) {}

  changed(): void {
    if (this.timer || this.stopped) return;
    const wait = Math.max(0, this.last + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.send(), wait);
    this.timer.unref();
  }

  /** Sends what is pending at once and sends nothing more. */
  stop(): void {
    if (this.timer) this.send();
    this.stopped = true;
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.last = Date.now();
    // A timer callback that throws would end the process: a lost live update only costs a refresh.
    try {
      const update = this.build();
      if (update !== undefined) this.ctx.publish(update);
    } catch (err) {
      this.ctx.log.warn('live update not sent', { error: String(err) });
    }
  }
}

export const LiveInterval = (defaultMs: number) => ({
  default: defaultMs, minimum: 100, maximum: 60_000, title: 'Live updates (ms)',
  description: 'Least time between two live updates sent to the page; updates in between are gathered into one.',
});

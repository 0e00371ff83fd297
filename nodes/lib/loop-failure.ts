import type { NodeContext } from '../../server/core/types.js';

/**
 * The handler for a source's background loop ending on an error it did not expect: the loop stops, and
 * the log and the node's status say why, rather than an unhandled rejection or a silent halt.
 */
export function reportLoopFailure(ctx: NodeContext, what: string): (err: unknown) => void {
  return (err) => {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.error(`${what} stopped on an unexpected error`, { error: message });
    ctx.status({ state: 'error', text: message });
  };
}

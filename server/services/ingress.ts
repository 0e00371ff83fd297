import type { IngressHandler, IngressResponse, IngressService } from '../core/services.js';

export class IngressConflictError extends Error {
  readonly code = 'INGRESS_PATH_TAKEN';
  constructor(path: string, owner: string) {
    super(`the ingest path "/ingest/${path}" is already served by ${owner}`);
    this.name = 'IngressConflictError';
  }
}

/** Normalises `/a//b/` and `a/b` to `a/b`, so one route cannot hide behind another spelling. */
export function ingressPath(path: string): string {
  return path.split('/').filter((s) => s.length > 0).join('/');
}

/**
 * Which node serves which `/ingest/<path>`. Paths are unique per server: a second node asking for
 * a path in use fails to start, which fails its deploy with the owner's name.
 */
export class IngressRegistry implements IngressService {
  private readonly routes = new Map<string, { owner: string; handler: IngressHandler }>();
  /** Paths with `:name` segments (Node-RED's `/user/:id`), matched segment by segment after the exact ones. */
  private readonly patterns = new Map<string, string[]>();
  private readonly waiting = new Map<string, (response: IngressResponse | undefined) => void>();

  /** Returns the function that releases the path; `owner` names the node in conflict messages. */
  register(path: string, owner: string, handler: IngressHandler): () => void {
    const key = ingressPath(path);
    const taken = this.routes.get(key);
    if (taken) throw new IngressConflictError(key, taken.owner);
    const route = { owner, handler };
    this.routes.set(key, route);
    if (key.split('/').some((s) => s.startsWith(':'))) this.patterns.set(key, key.split('/'));
    return () => {
      if (this.routes.get(key) !== route) return;
      this.routes.delete(key);
      this.patterns.delete(key);
    };
  }

  handler(path: string): IngressHandler | undefined {
    const key = ingressPath(path);
    const exact = this.routes.get(key);
    if (exact) return exact.handler;
    const segments = key.split('/');
    for (const [pattern, parts] of this.patterns) {
      if (parts.length === segments.length && parts.every((p, i) => p.startsWith(':') ? segments[i] !== '' : p === segments[i])) return this.routes.get(pattern)?.handler;
    }
    return undefined;
  }

  awaitReply(id: string, timeoutMs: number): Promise<IngressResponse | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), timeoutMs);
      const settle = (response: IngressResponse | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        resolve(response);
      };
      this.waiting.set(id, settle);
    });
  }

  reply(id: string, response: IngressResponse): boolean {
    const settle = this.waiting.get(id);
    settle?.(response);
    return settle !== undefined;
  }

  paths(): { path: string; owner: string }[] {
    return [...this.routes].map(([path, r]) => ({ path, owner: r.owner }));
  }
}

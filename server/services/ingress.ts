import type { IngressHandler, IngressService } from '../core/services.js';

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

  /** Returns the function that releases the path; `owner` names the node in conflict messages. */
  register(path: string, owner: string, handler: IngressHandler): () => void {
    const key = ingressPath(path);
    const taken = this.routes.get(key);
    if (taken) throw new IngressConflictError(key, taken.owner);
    const route = { owner, handler };
    this.routes.set(key, route);
    return () => {
      if (this.routes.get(key) === route) this.routes.delete(key);
    };
  }

  handler(path: string): IngressHandler | undefined {
    return this.routes.get(ingressPath(path))?.handler;
  }

  paths(): { path: string; owner: string }[] {
    return [...this.routes].map(([path, r]) => ({ path, owner: r.owner }));
  }
}

export interface PortRef {
  node: string;
  port: string;
}

/** `node` or `node:port`, as in the flow format; mirrors parsePortRef of server/core/flow-format.ts. */
export function parsePortRef(ref: string, defaultPort: string): PortRef {
  const i = ref.indexOf(':');
  return i < 0 ? { node: ref, port: defaultPort } : { node: ref.slice(0, i), port: ref.slice(i + 1) };
}

export const DEFAULT_OUTPUT = 'out';
export const DEFAULT_INPUT = 'in';
/** The runtime adds this output to every node that has an input (server/core/registry.ts). */
export const ERROR_PORT = 'error';

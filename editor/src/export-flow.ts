import { isSecretField, SECRET_REF, type JsonSchema } from './forms/schema';
import type { CatalogEntry, FlowDocument } from './types';

/**
 * The flow as a file. A value typed into a secret field (instead of a reference) is replaced by a
 * `${secret:NAME}` reference, so an exported flow never carries a secret; the names replaced are returned.
 */
export function exportFlow(flow: FlowDocument, catalog: ReadonlyMap<string, CatalogEntry>): { text: string; redacted: string[] } {
  const redacted: string[] = [];
  const nodes = flow.nodes.map((n) => {
    const props = (catalog.get(n.type)?.configSchema as JsonSchema | undefined)?.properties ?? {};
    if (!n.config) return n;
    const config = Object.fromEntries(Object.entries(n.config).map(([k, v]) => {
      const schema = props[k];
      if (!schema || typeof v !== 'string' || v === '' || SECRET_REF.test(v) || !isSecretField(schema, k)) return [k, v];
      const name = `${n.id}_${k}`.replace(/[^A-Za-z0-9_.-]/g, '_').toUpperCase();
      redacted.push(`${n.id}.${k}`);
      return [k, `\${secret:${name}}`];
    }));
    return { ...n, config };
  });
  return { text: `${JSON.stringify({ ...flow, nodes }, null, 2)}\n`, redacted };
}

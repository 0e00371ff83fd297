import { useMemo, useState } from 'react';
import { useEditorStore } from '../store';
import { NodeDocs } from '../nodes/NodeDocs';
import type { CatalogEntry } from '../types';
import { PaletteItem } from './PaletteItem';
import { useAddNode } from './useAddNode';

const ORDER = ['source', 'process', 'sink'];

/**
 * The node catalog by category, filtered by the search; drag an entry onto the canvas, or press Enter. The
 * entry under the pointer (or focused) shows its docs in a pane at the palette's foot, which covers nothing.
 */
export function Palette() {
  const catalog = useEditorStore((s) => s.catalog);
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState<CatalogEntry | null>(null);
  const addNode = useAddNode();
  const groups = useMemo(() => group([...(catalog?.values() ?? [])], query), [catalog, query]);
  const first = useMemo(() => bestMatch(groups, query), [groups, query]);

  return (
    <nav className="sl-palette" aria-label="Node palette" onMouseLeave={() => setShown(null)}>
      <div className="sl-palette-list">
      <input
        type="search" className="sl-palette-search" placeholder="Search nodes  ( / )" aria-label="Search nodes" value={query}
        data-testid="palette-search"
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          // Ctrl+Enter is deploy, and Enter on an empty search has nothing to choose from.
          if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.altKey && query.trim() !== '' && first) {
            addNode(first.type);
            setQuery('');
          }
        }}
      />
      {groups.length === 0 ? <p className="sl-empty">No node matches “{query}”.</p> : null}
      {groups.map(([category, entries]) => (
        <section key={category} className="sl-palette-group">
          <h3>{category}</h3>
          <ul>{entries.map((e) => <PaletteItem key={e.type} entry={e} onAdd={addNode} onShow={setShown} />)}</ul>
        </section>
      ))}
      </div>
      <section className="sl-palette-docs" id="palette-docs" aria-live="polite" data-testid={shown ? 'palette-docs' : undefined}>
        {shown ? <>{shown.label !== shown.type ? <strong>{shown.label}</strong> : null}<NodeDocs data={shown} /></> : <p className="sl-muted">Rest the pointer on a node type to read what it does.</p>}
      </section>
    </nav>
  );
}

function group(entries: CatalogEntry[], query: string): [string, CatalogEntry[]][] {
  const q = query.trim().toLowerCase();
  const matching = q === '' ? entries : entries.filter((e) => `${e.type} ${e.label} ${e.category} ${e.docs}`.toLowerCase().includes(q));
  const byCategory = new Map<string, CatalogEntry[]>();
  for (const e of matching) byCategory.set(e.category, [...(byCategory.get(e.category) ?? []), e]);
  const rank = (c: string) => (ORDER.includes(c) ? ORDER.indexOf(c) : ORDER.length);
  return [...byCategory.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * What Enter adds: the node whose type or label is what was typed, else one whose name starts with it,
 * else the first listed (the search also matches docs, where "debug" appears in many nodes).
 */
function bestMatch(groups: [string, CatalogEntry[]][], query: string): CatalogEntry | undefined {
  const q = query.trim().toLowerCase();
  const listed = groups.flatMap(([, entries]) => entries);
  const names = (e: CatalogEntry) => [e.type.toLowerCase(), e.label.toLowerCase()];
  return listed.find((e) => names(e).includes(q)) ?? listed.find((e) => names(e).some((n) => n.startsWith(q))) ?? listed[0];
}

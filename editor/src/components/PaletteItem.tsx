import { memo, useState } from 'react';
import { Markdown } from './Markdown';
import type { CatalogEntry } from '../types';

export const DRAG_TYPE = 'application/x-sluice-node';

/** One node type: draggable onto the canvas, a button for the keyboard; its docs show on hover or focus. */
export const PaletteItem = memo(function PaletteItem({ entry, onAdd }: { entry: CatalogEntry; onAdd: (type: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <li
      className={`sl-palette-item sl-cat-${entry.category}`}
      onMouseEnter={() => setOpen(true)} onMouseLeave={() => setOpen(false)}
    >
      <button
        type="button" draggable data-testid="palette-item" data-type={entry.type}
        onDragStart={(e) => {
          e.dataTransfer.setData(DRAG_TYPE, entry.type);
          e.dataTransfer.effectAllowed = 'copy';
        }}
        onClick={() => onAdd(entry.type)}
        onFocus={() => setOpen(true)} onBlur={() => setOpen(false)}
        aria-describedby={open ? `docs-${entry.type}` : undefined}
      >
        <span className="sl-palette-label">{entry.label}</span>
        <code className="sl-palette-type">{entry.type}</code>
      </button>
      {open ? (
        <div className="sl-palette-docs" id={`docs-${entry.type}`} role="tooltip" data-testid="palette-docs">
          <strong>{entry.label}</strong>
          <Markdown source={entry.docs} />
        </div>
      ) : null}
    </li>
  );
});

import { memo } from 'react';
import type { CatalogEntry } from '../types';

export const DRAG_TYPE = 'application/x-sluice-node';

/**
 * One node type: draggable onto the canvas, a button for the keyboard. Resting the pointer on it, or focusing
 * it, shows its docs in the palette's docs pane (`onShow`), never over the canvas.
 */
export const PaletteItem = memo(function PaletteItem({ entry, onAdd, onShow }: {
  entry: CatalogEntry; onAdd: (type: string) => void; onShow: (entry: CatalogEntry | null) => void;
}) {
  return (
    <li className={`sl-palette-item sl-cat-${entry.category}`} onMouseEnter={() => onShow(entry)}>
      <button
        type="button" draggable data-testid="palette-item" data-type={entry.type}
        onDragStart={(e) => {
          e.dataTransfer.setData(DRAG_TYPE, entry.type);
          e.dataTransfer.effectAllowed = 'copy';
        }}
        onClick={() => onAdd(entry.type)}
        onFocus={() => onShow(entry)}
        aria-describedby="palette-docs"
      >
        <span className="sl-palette-label">{entry.label}</span>
        <code className="sl-palette-type">{entry.type}</code>
      </button>
    </li>
  );
});

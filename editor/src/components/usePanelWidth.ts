import { useCallback, useState, type KeyboardEvent, type PointerEvent } from 'react';

const KEY = 'sluice.propertiesWidth';
const MIN = 280;
const DEFAULT = 360;
/** The canvas keeps at least this much of the window. */
const CANVAS_MIN = 320;

const clamp = (width: number) => Math.round(Math.max(MIN, Math.min(width, window.innerWidth - 230 - 380 - CANVAS_MIN)));

function stored(): number {
  const n = Number(window.localStorage.getItem(KEY));
  return Number.isFinite(n) && n > 0 ? clamp(n) : DEFAULT;
}

/**
 * The properties panel's width, dragged on its left edge (or set with the arrow keys on it), kept per browser.
 * The panel is a column of the layout: a wider panel makes the canvas narrower, it never covers it.
 */
export function usePanelWidth() {
  const [width, setWidth] = useState(stored);
  const [dragging, setDragging] = useState(false);
  const commit = useCallback((next: number) => {
    const w = clamp(next);
    setWidth(w);
    window.localStorage.setItem(KEY, String(w));
  }, []);
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    e.preventDefault();
    const startX = e.clientX;
    const startWidth = width;
    const target = e.currentTarget;
    target.setPointerCapture(e.pointerId);
    setDragging(true);
    const move = (ev: globalThis.PointerEvent) => commit(startWidth + startX - ev.clientX);
    const up = () => {
      setDragging(false);
      target.removeEventListener('pointermove', move);
      target.removeEventListener('pointerup', up);
      target.removeEventListener('pointercancel', up);
    };
    target.addEventListener('pointermove', move);
    target.addEventListener('pointerup', up);
    target.addEventListener('pointercancel', up);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'ArrowLeft') commit(width + 20);
    else if (e.key === 'ArrowRight') commit(width - 20);
    else return;
    e.preventDefault();
  };
  return {
    width,
    resizer: {
      className: `sl-props-resizer${dragging ? ' sl-active' : ''}`, role: 'separator', 'aria-orientation': 'vertical' as const,
      'aria-label': 'Resize the properties panel', 'aria-valuenow': width, tabIndex: 0, 'data-testid': 'properties-resizer',
      onPointerDown, onKeyDown,
    },
  };
}

import { useCallback, useRef, useState } from 'react';

/** The element's content width and height, kept current by a ResizeObserver (rounded to whole pixels). */
export function useElementSize<T extends HTMLElement>(): [(el: T | null) => void, { width: number; height: number }] {
  const [size, setSize] = useState({ width: 0, height: 0 });
  const observer = useRef<ResizeObserver | null>(null);
  const ref = useCallback((el: T | null) => {
    observer.current?.disconnect();
    observer.current = null;
    if (!el) return;
    const measure = (width: number, height: number) => setSize((s) => (s.width === width && s.height === height ? s : { width, height }));
    observer.current = new ResizeObserver(([entry]) => {
      if (entry) measure(Math.floor(entry.contentRect.width), Math.floor(entry.contentRect.height));
    });
    observer.current.observe(el);
    measure(Math.floor(el.clientWidth), Math.floor(el.clientHeight));
  }, []);
  return [ref, size];
}

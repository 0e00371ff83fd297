import { useCallback, useEffect, useState } from 'react';

/** Loads on mount and every `everyMs`; `reload` after an action. Errors are shown, not thrown. */
export function usePolled<T>(load: (signal: AbortSignal) => Promise<T>, everyMs: number, key: string | null) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (key === null) return;
    const abort = new AbortController();
    const run = () => load(abort.signal).then((d) => { setData(d); setError(null); }, (err: unknown) => {
      if (!(err instanceof DOMException && err.name === 'AbortError')) setError((err as Error).message);
    });
    void run();
    const timer = window.setInterval(run, everyMs);
    return () => {
      abort.abort();
      window.clearInterval(timer);
    };
    // `load` is recreated on every render; the key says when it changed meaning.
  }, [key, everyMs, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

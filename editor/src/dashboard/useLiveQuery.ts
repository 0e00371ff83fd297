import { useCallback, useEffect, useState } from 'react';
import { useWidgetContext } from './context';
import type { WidgetInfo } from './types';

/**
 * A widget whose live updates carry its whole (small) state: fetched once with its query, replaced by each
 * update, fetched again after a resync. `reload` lets the widget fetch after an action of its own.
 */
export function useLiveQuery<T>(widget: WidgetInfo, query: string): { data: T | null; error: string | null; reload(): void } {
  const { api, live } = useWidgetContext();
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(() => {
    api.query<T>(widget.flowId, widget.nodeId, query).then((d) => {
      setData(d);
      setError(null);
    }, (err: unknown) => setError((err as Error).message));
  }, [api, widget.flowId, widget.nodeId, query]);

  useEffect(() => {
    reload();
    return live.listen(`${widget.flowId}/${widget.nodeId}`, (m) => {
      if (m.type === 'resync') reload();
      if (m.type === 'widget') setData(m.data as T);
    });
  }, [live, reload, widget.flowId, widget.nodeId]);

  return { data, error, reload };
}

import { createContext, useContext } from 'react';
import type { DashboardApi } from './api';
import type { PageLive } from './live';

/** What every widget of a page shares: the API, the page's socket, the page's time range, what the viewer may do. */
export interface WidgetContext {
  api: DashboardApi;
  live: PageLive;
  /** The range picked for the whole page; null: each chart's own. */
  rangeMs: number | null;
  canAct: boolean;
  viewerName: string;
}

export const WidgetContextValue = createContext<WidgetContext | null>(null);

export function useWidgetContext(): WidgetContext {
  const ctx = useContext(WidgetContextValue);
  if (!ctx) throw new Error('a widget is drawn outside a dashboard page');
  return ctx;
}

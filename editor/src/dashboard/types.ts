/*
 * The shapes the dashboard reads, from the server's and the widget nodes' own modules (type imports only),
 * so the page and the API cannot drift.
 */
export type { WidgetInfo } from '../../../server/runtime/api-types';
export type { DashboardMessage } from '../../../server/api/live/widget-feed';
export type {
  AlertsAnswer, ChartUpdate, HistogramAnswer, RangeAnswer, SeriesAnswer, SeriesInfo, SeriesRange, StatState, StatTile, TableAnswer,
} from '../../../nodes/dashboard/answers';
export type { ChartLook, Level, Threshold, ValueFormat } from '../../../nodes/dashboard/look';
export type { Alert } from '../../../server/runtime/api-types';
import type { WidgetInfo } from '../../../server/runtime/api-types';
import type { ChartLook, Threshold, ValueFormat } from '../../../nodes/dashboard/look';

export interface PageAnswer {
  page: string;
  flows: { id: string; name: string }[];
  groups: { name: string; widgets: WidgetInfo[] }[];
  viewer: { name: string; shared: boolean; canAct: boolean };
}

/** What each view finds in `options` (see the widget nodes' `widget()`). */
export interface ChartOptions { look: ChartLook; values: string[]; seriesField: string }
export interface StatOptions { reduce: string; format: ValueFormat; unit: string; decimals: number | null; thresholds: Threshold[]; keyField: string }
export interface TableColumn { field: string; title: string; format: 'text' | 'number' | 'percent' | 'duration' | 'time'; unit: string; decimals: number | null }
export interface TableOptions { columns: TableColumn[]; sort: { field: string; order: 'asc' | 'desc' } | null; limit: number }
export interface AlertsOptions { states: string[]; limit: number }

export const widgetKey = (w: { flowId: string; nodeId: string }) => `${w.flowId}/${w.nodeId}`;

/**
 * Where and how a dashboard widget shows: what a node type's `widget(config)` declares. The server finds
 * the widgets of a page through it, never by node type; the dashboard app draws `view` with `options`.
 */
export interface WidgetPlacement {
  /** The page (`/dashboards/<page>`), see page-name.ts. */
  page: string;
  /** The titled section of the page the widget sits in. */
  group: string;
  /** Position within the group, smallest first; groups are ordered by their smallest widget order. */
  order: number;
  /** Columns of the page's 12-column grid (a phone shows every widget full width). */
  width: number;
  /** Shown above the widget; empty: the node's name, else its id. */
  title: string;
  /** The dashboard view that draws it (`chart`, `stat`, `table`, `alerts`). */
  view: string;
  /** What the view needs (look of a chart, columns of a table…): JSON, sent to the page's viewers as is. */
  options: unknown;
}

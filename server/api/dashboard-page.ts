import type { WidgetInfo } from '../runtime/api.js';

/**
 * A page's widgets by group: groups in the order of their first widget (smallest `order`, then name),
 * widgets by `order`, then title, then id, so the layout never depends on which flow started first.
 */
export function dashboardPage(widgets: readonly WidgetInfo[]): { name: string; widgets: WidgetInfo[] }[] {
  const groups = new Map<string, WidgetInfo[]>();
  for (const w of widgets) {
    const list = groups.get(w.group) ?? [];
    list.push(w);
    groups.set(w.group, list);
  }
  const byOrder = (a: WidgetInfo, b: WidgetInfo) => a.order - b.order || a.title.localeCompare(b.title) || `${a.flowId}/${a.nodeId}`.localeCompare(`${b.flowId}/${b.nodeId}`);
  return [...groups]
    .map(([name, list]) => ({ name, widgets: list.sort(byOrder) }))
    .sort((a, b) => a.widgets[0]!.order - b.widgets[0]!.order || a.name.localeCompare(b.name));
}

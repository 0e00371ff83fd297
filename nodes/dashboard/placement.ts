import { Type, type Static } from '@sinclair/typebox';
import { PAGE_NAME_PATTERN } from '../../server/core/page-name.js';
import type { WidgetPlacement } from '../../server/core/widget.js';

/** Where a widget shows: the same four fields on every widget node type. */
export const DashboardPlacementSchema = Type.Object({
  page: Type.String({
    default: 'main', pattern: PAGE_NAME_PATTERN, title: 'Page',
    description: 'The dashboard page, shown at `/dashboards/<page>`: lower-case letters, digits and dashes. Widgets of several flows can share a page.',
  }),
  group: Type.String({ default: '', maxLength: 100, title: 'Group', description: 'The titled section of the page the widget sits in; widgets of a group stay together.' }),
  order: Type.Integer({ default: 0, minimum: 0, maximum: 100_000, title: 'Order', description: 'Position within the group, smallest first; groups follow their smallest order.' }),
  width: Type.Integer({
    default: 6, minimum: 1, maximum: 12, title: 'Width (of 12 columns)',
    description: 'How much of the page\'s width the widget takes on a laptop (12 = all of it); a phone shows every widget full width.',
  }),
}, { default: {}, additionalProperties: false, title: 'Dashboard', description: 'Where the widget shows.' });

export const WidgetTitle = Type.String({ default: '', maxLength: 200, title: 'Title', description: 'Shown above the widget; empty: the node\'s name.' });

/** Widgets are shown to anyone who can see the page, shared links included: no secret may reach a config. */
export const WIDGET_REFUSES_REFERENCES = 'a widget\'s config is shown to everyone who sees its dashboard page, shared links included';

export function placement(cfg: { dashboard: Static<typeof DashboardPlacementSchema>; title: string }, view: string, options: unknown): WidgetPlacement {
  const { page, group, order, width } = cfg.dashboard;
  return { page, group, order, width, title: cfg.title, view, options };
}

/** The dashboard paragraph every widget's docs end with. */
export const PLACEMENT_DOCS = `**Dashboard.** \`dashboard: { page, group, order, width }\` places the widget: on the page
\`/dashboards/<page>\` (widgets of several flows can share one), in the titled \`group\`, ordered by
\`order\`, \`width\` columns of 12 on a laptop, full width on a phone. The page is served by Sluice with the
same login (viewers and up), and can be shared read-only through a link (\`dashboard:<page>\` token).`;

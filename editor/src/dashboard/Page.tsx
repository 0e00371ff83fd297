import { useEffect, useState, type ComponentType, type CSSProperties } from 'react';
import { useWidgetContext } from './context';
import { widgetKey, type PageAnswer, type WidgetInfo } from './types';
import { AlertsWidget } from './widgets/AlertsWidget';
import { ChartWidget } from './widgets/ChartWidget';
import { StatWidget } from './widgets/StatWidget';
import { TableWidget } from './widgets/TableWidget';

/** The views the page knows, by the `view` a widget node declares (never by node type). */
const VIEWS: { [view: string]: ComponentType<{ widget: WidgetInfo }> } = {
  chart: ChartWidget, stat: StatWidget, table: TableWidget, alerts: AlertsWidget,
};

/** Groups one below the other, each a 12-column grid of widget cards (one column on a phone). */
export function Page({ page }: { page: PageAnswer }) {
  return (
    <main className="sd-page">
      {page.groups.map((g) => (
        <section key={g.name} className="sd-group" aria-label={g.name || 'Widgets'}>
          {g.name ? <h2>{g.name}</h2> : null}
          <div className="sd-grid">
            {g.widgets.map((w) => <WidgetCard key={widgetKey(w)} widget={w} />)}
          </div>
        </section>
      ))}
    </main>
  );
}

function WidgetCard({ widget }: { widget: WidgetInfo }) {
  const View = VIEWS[widget.view];
  const { live } = useWidgetContext();
  const [status, setStatus] = useState(widget.status);
  useEffect(() => live.listen(widgetKey(widget), (m) => {
    if (m.type === 'widget-status') setStatus(m.status);
  }), [live, widget]);
  const warn = status.state === 'refused' || status.state === 'error' || status.state === 'retrying';
  return (
    <article className={`sd-card sd-view-${widget.view}`} style={{ '--span': widget.width } as CSSProperties}
      data-testid="widget" data-widget={widgetKey(widget)} data-view={widget.view}>
      <header className="sd-card-head">
        <h3 title={`${widget.flowId} / ${widget.nodeId}`}>{widget.title}</h3>
      </header>
      {warn && status.text ? <p className="sd-card-warn" role="status" data-testid="widget-warning">{status.text}</p> : null}
      {View ? <View widget={widget} /> : <p className="sd-error">This page cannot draw widgets of view "{widget.view}".</p>}
    </article>
  );
}

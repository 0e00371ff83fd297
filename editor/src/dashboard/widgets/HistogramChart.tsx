import { useCallback, useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import { histogramOptions } from '../chart-options';
import { useWidgetContext } from '../context';
import { useElementSize } from '../useElementSize';
import type { ChartOptions, HistogramAnswer, SeriesAnswer, WidgetInfo } from '../types';
import { chartHeight } from './ChartWidget';

/** How the values of one chosen series spread over the time range: pick the series, see its buckets. */
export function HistogramChart({ widget, options }: { widget: WidgetInfo; options: ChartOptions }) {
  const { api, live, rangeMs } = useWidgetContext();
  const look = options.look;
  const [box, measured] = useElementSize<HTMLDivElement>();
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [series, setSeries] = useState<string[]>([]);
  const [chosen, setChosen] = useState<string | null>(null);
  const [answer, setAnswer] = useState<HistogramAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const span = rangeMs ?? look.rangeMs;

  const load = useCallback(async () => {
    try {
      const list = await api.query<SeriesAnswer>(widget.flowId, widget.nodeId, 'series');
      const keys = list.series.map((s) => s.key).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
      setSeries(keys);
      const key = chosen && keys.includes(chosen) ? chosen : keys[0] ?? null;
      setChosen(key);
      if (key === null) return;
      const now = Date.now();
      setAnswer(await api.query<HistogramAnswer>(widget.flowId, widget.nodeId, 'histogram', { series: key, from: now - span, to: now + 1 }));
      setError(null);
    } catch (err) {
      setError((err as Error).message);
    }
  }, [api, widget.flowId, widget.nodeId, chosen, span]);

  useEffect(() => {
    void load();
    // Histograms change slowly: live updates only say that there is something new, fetched every few seconds.
    let due = false;
    const unlisten = live.listen(`${widget.flowId}/${widget.nodeId}`, () => { due = true; });
    const timer = window.setInterval(() => {
      if (due) void load();
      due = false;
    }, 5000);
    return () => {
      unlisten();
      window.clearInterval(timer);
    };
  }, [load, live, widget.flowId, widget.nodeId]);

  useEffect(() => {
    if (!host.current || !answer || measured.width < 50) return;
    const size = { width: measured.width, height: chartHeight(measured.width) };
    const data: uPlot.AlignedData = [answer.buckets.map((b) => (b.from + b.to) / 2), answer.buckets.map((b) => (b.count === 0 ? null : b.count))];
    plot.current?.destroy();
    plot.current = new uPlot(histogramOptions(look, look.unit, size, {}), data, host.current);
  }, [answer, measured.width, look]);

  useEffect(() => () => plot.current?.destroy(), []);

  return (
    <div className="sd-chart" ref={box} data-testid="histogram" data-count={answer?.count ?? 0}>
      <label className="sd-picker">
        <span>{options.seriesField || 'series'}</span>
        <select value={chosen ?? ''} onChange={(e) => setChosen(e.target.value)} disabled={series.length === 0}>
          {series.map((k) => <option key={k} value={k}>{k}</option>)}
        </select>
        {answer ? <span className="sl-muted">{answer.count.toLocaleString('en')} readings{answer.below + answer.above > 0 ? `, ${answer.below} below and ${answer.above} above the buckets` : ''}</span> : null}
      </label>
      <div ref={host} />
      {error ? <p className="sd-error" role="alert">{error}</p> : null}
      {!error && series.length === 0 ? <p className="sd-empty">No readings yet.</p> : null}
    </div>
  );
}

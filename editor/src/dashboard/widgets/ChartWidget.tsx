import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ChartData } from '../chart-data';
import { timeChartOptions } from '../chart-options';
import { redrawEveryMs } from '../../../../nodes/dashboard/look';
import { useWidgetContext } from '../context';
import { useElementSize } from '../useElementSize';
import { type ChartOptions, type ChartUpdate, type RangeAnswer, type WidgetInfo } from '../types';
import { HistogramChart } from './HistogramChart';

/** Past this many points per pixel of width in one series, a live chart fetches its range again (downsampled). */
const REFETCH_POINTS_PER_PX = 4;

export function ChartWidget({ widget }: { widget: WidgetInfo }) {
  const options = widget.options as ChartOptions;
  if (options.look.kind === 'histogram') return <HistogramChart widget={widget} options={options} />;
  return <TimeChart widget={widget} options={options} />;
}

/** The time range drawn: live (ending now, sliding) or a zoomed window fetched at full detail. */
type View = { live: true; spanMs: number } | { live: false; from: number; to: number };

function TimeChart({ widget, options }: { widget: WidgetInfo; options: ChartOptions }) {
  const { api, live, rangeMs } = useWidgetContext();
  // The page's layout is fetched again after a reconnect: an equal look must not rebuild the chart.
  const lookJson = JSON.stringify(options.look);
  const look = useMemo(() => JSON.parse(lookJson) as ChartOptions['look'], [lookJson]);
  const [box, measured] = useElementSize<HTMLDivElement>();
  // The width follows the card; the height is fixed (the legend below it must not feed back into it).
  const size = { width: measured.width, height: chartHeight(measured.width) };
  const plotHost = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const plotKeys = useRef<string>('');
  const data = useRef(new ChartData());
  const [view, setView] = useState<View>({ live: true, spanMs: rangeMs ?? look.rangeMs });
  const viewRef = useRef(view);
  viewRef.current = view;
  const [error, setError] = useState<string | null>(null);
  const [drawn, setDrawn] = useState<{ points: number; first: number | null; last: number | null; fetched: number }>({ points: 0, first: null, last: null, fetched: 0 });
  const fetchSeq = useRef(0);

  useEffect(() => setView({ live: true, spanMs: rangeMs ?? look.rangeMs }), [rangeMs, look.rangeMs]);

  const windowOf = (v: View): [number, number] => (v.live ? [Date.now() - v.spanMs, Date.now()] : [v.from, v.to]);

  /** Draws what `data` holds: a new uPlot when the series change, setData otherwise. */
  const draw = useCallback(() => {
    const host = plotHost.current;
    if (!host || size.width < 50) return;
    const keys = data.current.keys();
    const aligned = data.current.aligned(keys);
    const [from, to] = windowOf(viewRef.current);
    const signature = `${keys.join('\u0000')}|${size.width}|${size.height}`;
    if (!plot.current || plotKeys.current !== signature) {
      plot.current?.destroy();
      const opts = timeChartOptions(look, keys, (k) => data.current.color(k), { width: size.width, height: size.height }, {
        setSelect: [(u) => {
          if (u.select.width < 4) return;
          const a = u.posToVal(u.select.left, 'x');
          const b = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          setView({ live: false, from: Math.round(a), to: Math.round(b) });
        }],
      });
      plot.current = new uPlot(opts, aligned, host);
      plotKeys.current = signature;
      // Double-click: back to the live range.
      plot.current.over.ondblclick = () => setView({ live: true, spanMs: rangeMs ?? look.rangeMs });
    } else {
      plot.current.setData(aligned, false);
    }
    plot.current.setScale('x', { min: from, max: to });
    setDrawn((d) => ({ ...d, points: data.current.count(), first: data.current.firstTs(), last: data.current.lastTs() }));
    // Depends on `size` and the look only; the view is read from the ref so live redraws stay cheap.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [size.width, size.height, look]);

  const fetchRange = useCallback(async () => {
    if (size.width < 50) return;
    const seq = ++fetchSeq.current;
    const [from, to] = windowOf(viewRef.current);
    try {
      const answer = await api.query<RangeAnswer>(widget.flowId, widget.nodeId, 'range', { from: Math.floor(from), to: Math.ceil(to) + 1, width: Math.round(size.width) });
      if (seq !== fetchSeq.current) return;
      data.current.replace(answer);
      setError(null);
      draw();
      setDrawn((d) => ({ ...d, fetched: d.fetched + 1 }));
    } catch (err) {
      if (seq === fetchSeq.current) setError((err as Error).message);
    }
  }, [api, widget.flowId, widget.nodeId, size.width, draw]);

  useEffect(() => {
    void fetchRange();
  }, [fetchRange, view]);

  // Live: new points are appended while the view ends now; the chart redraws once they moved it by about a
  // pixel (redrawEveryMs), so a 24-hour chart does not redraw the day for a sub-pixel change.
  useEffect(() => {
    let timer = 0;
    let lastDraw = 0;
    const redraw = () => {
      timer = 0;
      lastDraw = performance.now();
      const v = viewRef.current;
      if (!v.live) return;
      data.current.trim(Date.now() - v.spanMs);
      if (data.current.longest() > REFETCH_POINTS_PER_PX * size.width) void fetchRange();
      else draw();
    };
    const schedule = () => {
      const v = viewRef.current;
      if (timer || !v.live) return;
      const every = redrawEveryMs(v.spanMs, size.width);
      timer = window.setTimeout(() => requestAnimationFrame(redraw), Math.max(0, lastDraw + every - performance.now()));
    };
    const unlisten = live.listen(`${widget.flowId}/${widget.nodeId}`, (m) => {
      if (m.type === 'resync') void fetchRange();
      if (m.type !== 'widget' || !viewRef.current.live) return;
      const update = m.data as ChartUpdate;
      if (update.points && data.current.append(update.points)) schedule();
    });
    // The window slides on even when no point comes: a silent sensor's line ends before "now".
    const slide = window.setInterval(schedule, 5000);
    return () => {
      unlisten();
      window.clearInterval(slide);
      window.clearTimeout(timer);
    };
  }, [live, widget.flowId, widget.nodeId, draw, fetchRange, size.width]);

  useEffect(() => () => {
    plot.current?.destroy();
    plot.current = null;
  }, []);

  return (
    <div className="sd-chart" ref={box} data-testid="chart" data-points={drawn.points} data-first-ts={drawn.first ?? ''} data-last-ts={drawn.last ?? ''} data-fetched={drawn.fetched}
      data-live={view.live ? 'yes' : 'no'}>
      <div ref={plotHost} />
      {error ? <p className="sd-error" role="alert">{error}</p> : null}
      {!error && drawn.fetched > 0 && drawn.points === 0 ? <p className="sd-empty">No points in this time range yet.</p> : null}
      {!view.live ? (
        <button type="button" className="sd-back sl-small" onClick={() => setView({ live: true, spanMs: rangeMs ?? look.rangeMs })}>
          Zoomed in · back to live
        </button>
      ) : null}
    </div>
  );
}

/** Shorter on a phone, where charts stack. */
export const chartHeight = (width: number) => (width < 520 ? 200 : 250);

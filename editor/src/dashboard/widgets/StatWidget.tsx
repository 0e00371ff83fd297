import { formatValue, LEVEL_COLORS } from '../../../../nodes/dashboard/look';
import { useLiveQuery } from '../useLiveQuery';
import type { StatOptions, StatState, WidgetInfo } from '../types';

/** One big number per tile, coloured by its threshold level; greyed when stale. */
export function StatWidget({ widget }: { widget: WidgetInfo }) {
  const o = widget.options as StatOptions;
  const { data, error } = useLiveQuery<StatState>(widget, 'state');
  if (error) return <p className="sd-error" role="alert">{error}</p>;
  if (!data) return <p className="sd-empty">Loading…</p>;
  if (data.tiles.length === 0) return <p className="sd-empty">No values yet.</p>;
  const single = data.tiles.length === 1 && data.tiles[0]!.key === '';
  return (
    <div className={`sd-stat${single ? ' sd-stat-single' : ''}`} data-testid="stat">
      {data.tiles.map((t) => (
        <div key={t.key} className={`sd-tile${t.stale ? ' sd-stale' : ''}`} data-level={t.level} style={{ color: t.stale ? undefined : LEVEL_COLORS[t.level] }}
          title={`${t.key ? `${t.key}: ` : ''}${formatValue(t.value, o)} (updated ${new Date(t.at).toLocaleString()})${t.stale ? ', stale' : ''}`}>
          <span className="sd-tile-value" data-testid="stat-value">{formatValue(t.value, o)}</span>
          {t.key ? <span className="sd-tile-key">{t.key}</span> : null}
        </div>
      ))}
      {single && (o.reduce === 'share' || o.reduce === 'count') ? (
        <p className="sd-tile-note">{data.matched} of {plural(data.keys, o.keyField || 'key')}</p>
      ) : single && o.reduce !== 'last' ? <p className="sd-tile-note">{o.reduce} over {plural(data.keys, o.keyField || 'key')}</p> : null}
      {data.hidden > 0 ? <p className="sd-tile-note">and {data.hidden} more</p> : null}
    </div>
  );
}

/** `12 sensors`, `1 sensor`. */
function plural(n: number, noun: string): string {
  return `${n.toLocaleString('en')} ${noun}${n === 1 || noun.endsWith('s') ? '' : 's'}`;
}

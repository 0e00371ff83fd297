import { useState } from 'react';
import { compareCells, formatTime, formatValue } from '../../../../nodes/dashboard/look';
import { useLiveQuery } from '../useLiveQuery';
import type { TableAnswer, TableColumn, TableOptions, WidgetInfo } from '../types';

/** The latest rows, sortable by any column (click a heading; again to reverse). */
export function TableWidget({ widget }: { widget: WidgetInfo }) {
  const o = widget.options as TableOptions;
  const { data, error } = useLiveQuery<TableAnswer>(widget, 'rows');
  const [sort, setSort] = useState(o.sort);
  if (error) return <p className="sd-error" role="alert">{error}</p>;
  if (!data) return <p className="sd-empty">Loading…</p>;
  const rows = sort ? [...data.rows].sort((a, b) => compareCells(a[sort.field], b[sort.field], sort.order === 'desc' ? -1 : 1)) : data.rows;
  const toggle = (field: string) => setSort((s) => ({ field, order: s?.field === field && s.order === 'asc' ? 'desc' : 'asc' }));
  return (
    <div className="sd-table-wrap" data-testid="table">
      <table className="sd-table">
        <thead>
          <tr>
            {o.columns.map((c) => (
              <th key={c.field} scope="col" aria-sort={sort?.field === c.field ? (sort.order === 'asc' ? 'ascending' : 'descending') : 'none'}
                className={c.format === 'text' || c.format === 'time' ? '' : 'sd-num'}>
                <button type="button" onClick={() => toggle(c.field)}>
                  {c.title}{c.unit ? ` (${c.unit})` : ''}{sort?.field === c.field ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {o.columns.map((c) => <td key={c.field} className={c.format === 'text' || c.format === 'time' ? '' : 'sd-num'}>{cell(r[c.field], c)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length === 0 ? <p className="sd-empty">No rows.</p> : null}
      {data.total > rows.length ? <p className="sd-tile-note">{rows.length} of {data.total} rows</p> : null}
    </div>
  );
}

function cell(v: unknown, c: TableColumn): string {
  if (v === null || v === undefined) return '–';
  if (c.format === 'time') return typeof v === 'number' ? formatTime(v) : String(v);
  if (c.format === 'text') return typeof v === 'object' ? JSON.stringify(v) : String(v);
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) return String(v);
  return formatValue(n, { format: c.format === 'number' ? 'number' : c.format, decimals: c.decimals });
}

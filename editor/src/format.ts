const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n: number): string {
  return integer.format(n);
}

/** Compact counts for node ports, where space is short: 950, 12.3k, 4.5M. */
export function formatCompact(n: number): string {
  if (n < 10_000) return integer.format(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 100_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 100_000_000 ? 1 : 0)}M`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Local wall-clock time with milliseconds: debug messages often arrive within the same second. */
export function formatTime(at: number): string {
  const d = new Date(at);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** One line of JSON for a collapsed debug message. */
export function preview(value: unknown, max = 140): string {
  const text = safeJson(value, 0);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function safeJson(value: unknown, indent: number): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value, null, indent) as string | undefined;
  return text ?? String(value);
}

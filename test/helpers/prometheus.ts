import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

/** A number as the text format writes it. */
function sampleValue(text: string | undefined, where: string): number {
  assert.ok(text !== undefined && /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|NaN|[+-]Inf)$/i.test(text), `${where}: not a number: ${text}`);
  return text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
}

const key = (name: string, labels: { [n: string]: string } = {}) => {
  const parts = Object.keys(labels).sort().map((l) => `${l}="${labels[l]}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
};

/**
 * Reads a /metrics answer with parse-prometheus-text-format (a port of Prometheus's text parser that throws
 * on any line that is not valid exposition) and checks what it leaves to the reader: one group per family,
 * each declared with HELP and TYPE, counters named `_total`, every sample's value a number. Answers the
 * counters and gauges as `name{label="…",…}` (labels sorted) → value.
 */
export function parseExposition(text: string): Map<string, number> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = parsePrometheusTextFormat(text);
  const seen = new Set<string>();
  const samples = new Map<string, number>();
  for (const f of families) {
    assert.ok(!seen.has(f.name), `${f.name}: its samples are all in one group`);
    seen.add(f.name);
    assert.notEqual(f.type, 'UNTYPED', `${f.name} has a TYPE line`);
    assert.ok(f.help !== '', `${f.name} has a HELP line`);
    if (f.type === 'COUNTER') assert.match(f.name, /_total$/, 'counters end in _total');
    if (f.type !== 'COUNTER' && f.type !== 'GAUGE') continue;
    for (const m of f.metrics) samples.set(key(f.name, m.labels), sampleValue(m.value, key(f.name, m.labels)));
  }
  // The library keeps histogram values only in part: their lines are checked here, one by one.
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    sampleValue(/ (\S+)$/.exec(line)?.[1], line);
  }
  return samples;
}

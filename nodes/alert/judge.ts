/**
 * A rule's verdict on one observation: `fire` (the alert condition holds), `clear` (the value is back
 * inside the limit by at least the hysteresis) or `hold` (in between: nothing changes, except that a
 * condition waiting to be sustained starts over).
 */
export type Verdict = 'fire' | 'clear' | 'hold';

export interface Observation {
  verdict: Verdict;
  /** Event time of the observation (epoch ms). */
  at: number;
  value: number;
}

export type Comparison =
  | { op: '>' | '<'; value: number; hysteresis: number }
  | { op: 'outside'; low: number; high: number; hysteresis: number };

/** Judges a number against a limit with hysteresis: the fire and clear limits are `hysteresis` apart. */
export function compare(c: Comparison, x: number): Verdict {
  const h = c.hysteresis;
  switch (c.op) {
    case '>': return x > c.value ? 'fire' : x <= c.value - h ? 'clear' : 'hold';
    case '<': return x < c.value ? 'fire' : x >= c.value + h ? 'clear' : 'hold';
    case 'outside': return x < c.low || x > c.high ? 'fire' : x >= c.low + h && x <= c.high - h ? 'clear' : 'hold';
  }
}

/** The limit in words, for messages: `> 50`, `outside [10, 20]`. */
export function describe(c: Comparison): string {
  return c.op === 'outside' ? `outside [${c.low}, ${c.high}]` : `${c.op} ${c.value}`;
}

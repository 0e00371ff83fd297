import type { RuleConfig } from './config.js';
import type { Rule } from './rule.js';

/**
 * Sensor health. On the `arrival` clock (default) it fires on the first journaled tick at least
 * `silenceMs` after the sensor's last reading was received and resolves on its next reading: a sensor
 * with a wrong clock is judged by when it was heard, and a replay of the journal gives the same
 * transitions. On the `event` clock the silence is the newest event time of any sensor minus the
 * sensor's latest event time, judged after every batch; the alert fires at the event time the silence
 * reached `silenceMs` (last reading + silenceMs), so batching does not move it. It needs sensor clocks
 * that agree, and cannot see all sensors falling silent at once (nothing advances event time then):
 * pair it with an `arrival` rule for that. The value is the length of the silence in ms.
 */
export function silenceRule(config: RuleConfig): Rule {
  const silenceMs = config.silenceMs!;
  const event = config.clock === 'event';
  return {
    id: config.id, config, sustainMs: 0, limit: `no reading for ${silenceMs} ms`, clock: event ? 'event' : 'arrival',
    defaultMessage: '{sensor}: no reading for {value} ms',
    reading(_memory, reading) {
      const [now, previous] = event ? [reading.ts, reading.previousTs] : [reading.arrival, reading.previousArrival];
      return { verdict: 'clear', at: now, value: previous === undefined ? 0 : now - previous };
    },
    tick(last, now) {
      const quiet = now - last;
      if (quiet < silenceMs) return undefined;
      return { verdict: 'fire', at: event ? last + silenceMs : now, value: quiet };
    },
    silentFrom: (last) => last + silenceMs,
  };
}

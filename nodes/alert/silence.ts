import type { RuleConfig } from './config.js';
import type { Rule } from './rule.js';

/**
 * Sensor health: fires on the first journaled tick at least `silenceMs` after the sensor's last reading,
 * resolves on its next reading. Both sides use journal time (when Sluice received the reading, and the
 * tick's time), so a sensor with a wrong clock is judged by when it was heard, and a replay of the
 * journal gives the same transitions. The value is the length of the silence in ms.
 */
export function silenceRule(config: RuleConfig): Rule {
  const silenceMs = config.silenceMs!;
  return {
    id: config.id, config, sustainMs: 0, limit: `no reading for ${silenceMs} ms`,
    defaultMessage: '{sensor}: no reading for {value} ms',
    reading(_memory, reading) {
      const quiet = reading.previousArrival === undefined ? 0 : reading.arrival - reading.previousArrival;
      return { verdict: 'clear', at: reading.arrival, value: quiet };
    },
    tick(lastArrival, now) {
      const quiet = now - lastArrival;
      return quiet >= silenceMs ? { verdict: 'fire', at: now, value: quiet } : undefined;
    },
  };
}

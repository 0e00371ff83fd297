import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * Hover state that outlives the pointer for `leaveDelayMs`, so it can cross the gap between a node and
 * its docs panel (a portal that is a React child of the node) without the panel vanishing.
 */
export function useHover(leaveDelayMs: number) {
  const [active, setActive] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  const onMouseEnter = useCallback(() => {
    window.clearTimeout(timer.current);
    setActive(true);
  }, []);
  const onMouseLeave = useCallback(() => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setActive(false), leaveDelayMs);
  }, [leaveDelayMs]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return { active, bind: { onMouseEnter, onMouseLeave } };
}

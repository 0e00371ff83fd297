import { bool, num, str, type NrNode } from '../model.js';
import { done, type Translation } from './types.js';

const ACTIONS: { [a: string]: string } = { scale: 'scale', clamp: 'clamp', roll: 'roll', drop: 'drop' };

/** range: one to one; values that are not numbers are kept on `invalid` where Node-RED logs and drops them. */
export function range(n: NrNode): Translation {
  return done('range', {
    property: str(n.property, 'payload').replace(/^msg\./, ''), action: ACTIONS[str(n.action)] ?? 'scale',
    inMin: num(n.minin, 0), inMax: num(n.maxin, 0), outMin: num(n.minout, 0), outMax: num(n.maxout, 0), round: bool(n.round),
  }, []);
}

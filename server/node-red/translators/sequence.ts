import { bool, num, str, type NrNode } from '../model.js';
import { done, needsHand, type Translation } from './types.js';

const unescape = (s: string) => s.replace(/\\n/g, '\n').replace(/\\r/g, '\r').replace(/\\t/g, '\t').replace(/\\0/g, '\0');

/** split: text, arrays and objects; streaming and binary separators need a hand. */
export function split(n: NrNode): Translation {
  if (bool(n.stream)) return needsHand('"handle as a stream of messages" keeps a remainder across messages, which is not supported');
  const type = str(n.spltType, 'str');
  if (type === 'bin') return needsHand('splitting at a binary separator needs Buffers, which records cannot hold');
  if (str(n.arraySpltType, 'len') !== 'len') return needsHand(`array split type "${str(n.arraySpltType)}" is not supported`);
  return done('split', {
    property: str(n.property, 'payload').replace(/^msg\./, ''),
    separator: type === 'str' ? unescape(str(n.splt, '\\n')) : '\n', chunkLength: type === 'len' ? Math.max(1, Math.floor(num(n.splt, 1))) : 0,
    arrayChunk: Math.max(1, Math.floor(num(n.arraySplt, 1))), keyField: str(n.addname).replace(/^msg\./, ''),
  }, []);
}

/** join: automatic and manual modes; reduce (JSONata) needs a hand. */
export function join(n: NrNode): Translation {
  const mode = str(n.mode, 'auto');
  if (mode === 'reduce') return needsHand('reduce mode uses JSONata expressions, not supported yet');
  const notes: string[] = [];
  if (mode === 'auto') return done('join', { mode: 'auto' }, notes);
  const build = str(n.build, 'array');
  if (build === 'buffer') return needsHand('joining into a Buffer is not supported (records are JSON)');
  if (str(n.joinerType, 'str') === 'bin') return needsHand('a binary joiner needs Buffers, which records cannot hold');
  if (bool(n.accumulate)) notes.push('"and every subsequent message" (accumulate) is not supported: each group starts empty');
  if (n.useparts === false) notes.push('"use existing msg.parts" off is not carried over');
  return done('join', {
    mode: 'manual', build: build === 'merged' ? 'merged' : build === 'object' ? 'object' : build === 'string' ? 'string' : 'array',
    property: str(n.propertyType, 'msg') === 'full' ? '' : str(n.property, 'payload').replace(/^msg\./, ''),
    key: str(n.key, 'topic').replace(/^msg\./, '') || 'topic', joiner: unescape(str(n.joiner, '\\n')),
    count: Math.max(0, Math.floor(num(n.count, 0))), timeoutMs: Math.round(num(n.timeout, 0) * 1000),
  }, notes);
}

import { bool, num, str, type NrNode } from '../model.js';
import { done, type Translation } from './types.js';

const unescape = (s: string) => s.replace(/\\t/g, '\t').replace(/\\n/g, '\n').replace(/\\r/g, '\r');

/** json: the same actions; schema validation through msg.schema is not done. */
export function json(n: NrNode): Translation {
  const action = str(n.action);
  return done('json', {
    property: str(n.property, 'payload').replace(/^msg\./, ''),
    action: action === 'str' ? 'stringify' : action === 'obj' ? 'parse' : 'toggle', pretty: bool(n.pretty),
  }, []);
}

/** csv: Node-RED's legacy parser rules; RFC 4180 mode and line-by-line streams are close, not identical. */
export function csv(n: NrNode): Translation {
  const notes: string[] = [];
  if (str(n.spec) === 'rfc') notes.push('parsed with the legacy rules (quotes, separators and numbers alike; RFC mode details may differ)');
  const sep = unescape(str(n.sep, ','));
  const hdrout = n.hdrout === true ? 'all' : n.hdrout === false || n.hdrout === undefined ? 'none' : str(n.hdrout, 'none');
  if (sep.length !== 1) notes.push(`the separator "${sep}" is more than one character; its first is used`);
  return done('csv', {
    separator: sep.slice(0, 1) || ',', columns: str(n.temp), headerIn: bool(n.hdrin), skipLines: Math.max(0, Math.floor(num(n.skip, 0))),
    parseNumbers: n.strings === undefined ? true : bool(n.strings), includeEmptyStrings: bool(n.include_empty_strings), includeNulls: bool(n.include_null_values),
    output: str(n.multi, 'one') === 'mult' ? 'array' : 'record-per-row',
    header: hdrout === 'all' || hdrout === 'once' ? hdrout : 'none', lineEnd: unescape(str(n.ret, '\\n')) === '\r\n' ? '\r\n' : '\n',
  }, notes);
}

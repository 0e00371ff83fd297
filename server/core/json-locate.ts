/** Locating the first fault in a JSON text, for error messages that name a line and a column. */

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Offset of the first character that makes `text` invalid JSON (text.length for a premature end),
 * or -1 when it is valid. Iterative, so deeply nested input cannot overflow the stack.
 */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  const open: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  /** Reads a key and its colon inside an object; false with `i` at the fault otherwise. */
  const key = (): boolean => {
    skipSpace();
    if (text[i] !== '"' || !scanString()) return false;
    skipSpace();
    if (text[i] !== ':') return false;
    i++;
    return true;
  };
  const scanString = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) { i++; return true; }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) { i += 2; return false; }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          i++;
          return false;
        }
      } else {
        i++;
      }
    }
    return false;
  };
  const digits = (): boolean => {
    const start = i;
    while (i < n && text[i]! >= '0' && text[i]! <= '9') i++;
    return i > start;
  };
  const scanNumber = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (!digits()) return false;
    if (text[i] === '.') { i++; if (!digits()) return false; }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!digits()) return false;
    }
    return true;
  };
  const scanLiteral = (word: string): boolean => {
    for (const ch of word) {
      if (text[i] !== ch) return false;
      i++;
    }
    return true;
  };

  for (;;) {
    // A value is expected at i.
    skipSpace();
    const c = text[i];
    let scalarOk: boolean;
    if (c === '{' || c === '[') {
      i++;
      skipSpace();
      const close = c === '{' ? '}' : ']';
      if (text[i] === close) {
        i++;
        scalarOk = true;
      } else {
        open.push(close);
        if (c === '{' && !key()) return i;
        continue;
      }
    } else if (c === '"') scalarOk = scanString();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) scalarOk = scanNumber();
    else if (c === 't') scalarOk = scanLiteral('true');
    else if (c === 'f') scalarOk = scanLiteral('false');
    else if (c === 'n') scalarOk = scanLiteral('null');
    else return i;
    if (!scalarOk) return i;

    // After a complete value: close containers, or a comma leads to the next value.
    for (;;) {
      skipSpace();
      const close = open[open.length - 1];
      if (close === undefined) return i < n ? i : -1;
      if (text[i] === close) { i++; open.pop(); continue; }
      if (text[i] !== ',') return i;
      i++;
      if (close === '}' && !key()) return i;
      break;
    }
  }
}

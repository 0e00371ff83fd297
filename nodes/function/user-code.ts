import vm from 'node:vm';
import type { ConfigProblem } from '../../server/core/types.js';

/** The name user code has in stack traces and syntax errors; positions refer to the code as written. */
export const CODE_FILENAME = 'function-code';

const EXPORT_PROCESS = /^([ \t]*)export(\s+function\s+process\s*\()/m;

/**
 * `export function process` is module syntax; the sandbox runs a classic script so that `process`
 * becomes a global it can call. The `export` keyword is blanked with as many spaces, so every line
 * and column a compiler or a stack trace reports still points into the user's code.
 */
export function toScript(code: string): string | undefined {
  if (!EXPORT_PROCESS.test(code)) return undefined;
  return code.replace(EXPORT_PROCESS, (_m, indent: string, rest: string) => `${indent}      ${rest}`);
}

export const MISSING_PROCESS = 'the code must declare `export function process(records, ctx)`';
const ASYNC_PROCESS = /^[ \t]*export\s+async\s+function\s+process\s*\(/m;

/** Parses the code without running any of it: a syntax error becomes a problem at `/code` with line and column. */
export function checkCode(code: string): ConfigProblem[] {
  if (ASYNC_PROCESS.test(code)) {
    return [{ path: '/code', message: '`process` must not be async: the time limit cannot cover asynchronous code; return the records directly' }];
  }
  const script = toScript(code);
  if (script === undefined) return [{ path: '/code', message: MISSING_PROCESS }];
  try {
    new vm.Script(script, { filename: CODE_FILENAME });
    return [];
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    const { line, column } = syntaxErrorPosition(err);
    const hint = /end of input/.test(err.message) ? ' (a `{`, `(` or `[` is not closed)' : '';
    return [{ path: '/code', message: `SyntaxError: ${err.message} at line ${line}, column ${column}${hint}` }];
  }
}

/**
 * V8 reports where a syntax error is only in the stack's header: `<file>:<line>`, the source line, then a
 * line that pads up to the offending token and marks it with carets. An error at the end of the code
 * ("Unexpected end of input", a brace never closed) has no token to mark: the padding alone says where.
 */
function syntaxErrorPosition(err: SyntaxError): { line: number; column: number } {
  const [where = '', , carets = ''] = (err.stack ?? '').split('\n');
  const line = Number(/:(\d+)$/.exec(where)?.[1] ?? 1);
  const caret = carets.indexOf('^');
  return { line, column: (caret >= 0 ? caret : carets.length) + 1 };
}

/** `… at line 3, column 11` from the first stack frame inside the user's code, or '' when there is none. */
export function codePosition(stack: string): string {
  const m = new RegExp(`${CODE_FILENAME}:(\\d+):(\\d+)`).exec(stack);
  return m ? ` at line ${m[1]}, column ${m[2]}` : '';
}

import { readFile } from 'node:fs/promises';
import { parseJson, type Problem } from '../core/problems.js';

export type FlowFile = { ok: true; doc: unknown; text: string } | { ok: false; problems: Problem[] };

/** Reads a flow document; a syntax error is a problem like any other, located by line and column. */
export async function readFlowFile(path: string): Promise<FlowFile> {
  const text = await readFile(path, 'utf8');
  const parsed = parseJson(text);
  return parsed.ok ? { ok: true, doc: parsed.value, text } : { ok: false, problems: [parsed.problem] };
}


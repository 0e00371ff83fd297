import { parseArgs } from 'node:util';
import { parseJson, type Problem } from '../../core/problems.js';
import { documentId } from '../../api/document-id.js';
import { readFlowFile } from '../flow-file.js';
import { problemLine, type Output } from '../output.js';
import { apiToken, callServer, errorMessage } from '../server-client.js';
import { UsageError } from '../usage.js';

/** `sluice deploy FILE`: sends the document to a running server, which validates and swaps it in. */
export async function deployCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true, options: { server: { type: 'string' }, token: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('deploy takes exactly one FILE');
  const file = await readFlowFile(positionals[0]!);
  if (!file.ok) {
    for (const p of file.problems) output.out(problemLine(p));
    return 1;
  }
  const id = documentId(file.doc);
  if (!id) {
    output.out(problemLine({ nodeId: null, path: '/id', message: 'the document has no id' }));
    return 1;
  }
  const { status, text } = await callServer(values.server, 'POST', `api/flows/${encodeURIComponent(id)}/deploy`, file.text, apiToken(values.token));
  if (status === 200) {
    const { revision } = JSON.parse(text) as { revision: number };
    output.out(`deployed ${id} revision ${revision}`);
    return 0;
  }
  const parsed = parseJson(text);
  const body = parsed.ok && parsed.value !== null && typeof parsed.value === 'object' ? parsed.value as { error?: unknown; problems?: Problem[] } : {};
  if (status === 400 && body.error === 'invalid-flow' && Array.isArray(body.problems)) {
    for (const p of body.problems) output.out(problemLine(p));
    return 1;
  }
  output.err(`deploy failed: ${errorMessage(status, text)}`);
  return 1;
}

import { parseArgs } from 'node:util';
import type { Output } from '../output.js';
import { apiToken, callServer, errorMessage } from '../server-client.js';
import { UsageError } from '../usage.js';

/** `sluice export FLOW_ID`: the stored document, as the server exports it, on stdout. */
export async function exportCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { server: { type: 'string' }, revision: { type: 'string', default: 'draft' }, token: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('export takes exactly one FLOW_ID');
  if (!/^(draft|deployed|[0-9]+)$/.test(values.revision)) throw new UsageError('--revision is draft, deployed or a revision number');
  const id = positionals[0]!;
  const query = new URLSearchParams({ revision: values.revision });
  const { status, text } = await callServer(values.server, 'GET', `api/flows/${encodeURIComponent(id)}/export?${query}`, undefined, apiToken(values.token));
  if (status !== 200) {
    output.err(`export failed: ${errorMessage(status, text)}`);
    return 1;
  }
  output.out(text.trimEnd());
  return 0;
}

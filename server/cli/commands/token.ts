import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuthStore } from '../../auth/auth-store.js';
import { parseScopes } from '../../auth/roles.js';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';
import { cliActor } from './user.js';

/** `90d`, `12h`, `30m`: how long a token lives. */
export function parseDuration(text: string): number {
  const m = /^(\d+)([dhm])$/.exec(text);
  if (!m) throw new UsageError(`--expires is a number followed by d, h or m (e.g. 90d), got ${text}`);
  return Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
}

/** `sluice token create|list|revoke`: API tokens for scripts, CI and external readers. */
export async function tokenCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      data: { type: 'string', default: './data' }, name: { type: 'string' }, scope: { type: 'string', multiple: true },
      expires: { type: 'string' }, rate: { type: 'string' },
    },
  });
  const [action, id] = positionals;
  const { store, close } = AuthStore.open(resolve(values.data));
  try {
    switch (action) {
      case 'create': {
        const scopes = parseScopes((values.scope ?? []).flatMap((s) => s.split(',')).filter(Boolean));
        if ('error' in scopes) throw new UsageError(scopes.error);
        const rate = values.rate === undefined ? null : Number(values.rate);
        if (rate !== null && (!Number.isInteger(rate) || rate < 1)) throw new UsageError(`--rate is requests per minute, got ${values.rate}`);
        const { token, info } = store.createToken({
          name: values.name ?? 'cli', scopes: scopes.scopes, createdBy: cliActor(), ratePerMinute: rate,
          expiresAt: values.expires === undefined ? null : Date.now() + parseDuration(values.expires),
        });
        store.audit({ actor: cliActor(), action: 'token.create', target: info.id, detail: { name: info.name, scopes: info.scopes, expiresAt: info.expiresAt } });
        output.err(`created token ${info.id} (${info.scopes.join(', ')}${info.expiresAt ? `, expires ${new Date(info.expiresAt).toISOString()}` : ''}); it is shown this once:`);
        output.out(token);
        return 0;
      }
      case 'list':
        for (const t of store.tokens()) {
          output.out([t.id, t.name, t.scopes.join(','), t.expiresAt ? new Date(t.expiresAt).toISOString() : 'no expiry',
            t.ratePerMinute === null ? 'no rate limit' : `${t.ratePerMinute}/min`].join('\t'));
        }
        return 0;
      case 'revoke':
        if (!id) throw new UsageError('token revoke takes a token ID (see npx sluice token list)');
        store.revokeToken(id);
        store.audit({ actor: cliActor(), action: 'token.revoke', target: id });
        output.out(`revoked ${id}`);
        return 0;
      default:
        throw new UsageError('token takes create, list or revoke');
    }
  } finally {
    close();
  }
}

import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AuthStore } from '../../auth/auth-store.js';
import { randomSecret } from '../../auth/secrets.js';
import { isRole } from '../../auth/roles.js';
import type { Output } from '../output.js';
import { UsageError } from '../usage.js';

/** Who the audit log names for changes made from the command line (on the server's machine). */
export function cliActor(): string {
  return `cli:${userInfo().username}`;
}

/** The first line of standard input, for `--password-stdin` (no password in the shell history or `ps`). */
async function stdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** `sluice user add|list|remove|set-role|password`: works on the data directory, beside a running server or not. */
export async function userCommand(args: string[], output: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { data: { type: 'string', default: './data' }, role: { type: 'string' }, 'password-stdin': { type: 'boolean', default: false } },
  });
  const [action, name, extra] = positionals;
  const { store, close } = AuthStore.open(resolve(values.data));
  try {
    const password = async (): Promise<{ text: string; generated: boolean }> => values['password-stdin']
      ? { text: await stdinLine(), generated: false }
      : { text: randomSecret(18), generated: true };
    switch (action) {
      case 'list':
        for (const u of store.users()) output.out(`${u.name}\t${u.role}\t${new Date(u.createdAt).toISOString()}`);
        return 0;
      case 'add': {
        if (!name) throw new UsageError('user add takes a NAME');
        const role = values.role ?? 'viewer';
        if (!isRole(role)) throw new UsageError(`--role is viewer, editor or admin, got ${role}`);
        const pw = await password();
        await store.addUser(name, role, pw.text);
        store.audit({ actor: cliActor(), action: 'user.add', target: name, detail: { role } });
        output.out(`added ${name} (${role})${pw.generated ? `; password: ${pw.text}` : ''}`);
        return 0;
      }
      case 'remove':
        if (!name) throw new UsageError('user remove takes a NAME');
        store.removeUser(name);
        store.audit({ actor: cliActor(), action: 'user.remove', target: name });
        output.out(`removed ${name}`);
        return 0;
      case 'set-role':
        if (!name || !isRole(extra)) throw new UsageError('user set-role takes a NAME and a ROLE (viewer, editor, admin)');
        store.setRole(name, extra);
        store.audit({ actor: cliActor(), action: 'user.role', target: name, detail: { role: extra } });
        output.out(`${name} is now ${extra}`);
        return 0;
      case 'password': {
        if (!name) throw new UsageError('user password takes a NAME');
        const pw = await password();
        await store.setPassword(name, pw.text);
        store.audit({ actor: cliActor(), action: 'user.password', target: name });
        output.out(`password of ${name} changed${pw.generated ? `: ${pw.text}` : ''}`);
        return 0;
      }
      default:
        throw new UsageError('user takes add, list, remove, set-role or password');
    }
  } finally {
    close();
  }
}

import { deployCommand } from './commands/deploy.js';
import { exportCommand } from './commands/export.js';
import { importNodeRedCommand } from './commands/import-node-red.js';
import { secretsCommand } from './commands/secrets.js';
import { startCommand } from './commands/start.js';
import { tokenCommand } from './commands/token.js';
import { userCommand } from './commands/user.js';
import { validateCommand } from './commands/validate.js';
import { processOutput, type Output } from './output.js';
import { USAGE, UsageError } from './usage.js';

type Command = (args: string[], output: Output) => Promise<number>;

const commands: { [name: string]: Command } = {
  start: startCommand,
  deploy: deployCommand,
  export: exportCommand,
  validate: validateCommand,
  'import-node-red': importNodeRedCommand,
  user: userCommand,
  token: tokenCommand,
  secrets: secretsCommand,
};

/** Runs one CLI invocation and answers its exit code: 0 ok, 1 problems or failure, 2 usage. */
export async function run(argv: string[], output: Output = processOutput): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? output.err : output.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) return usageError(output, `unknown command "${name}"`);
  if (args.includes('--help') || args.includes('-h')) {
    output.out(USAGE);
    return 0;
  }
  try {
    return await command(args, output);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) return usageError(output, (err as Error).message);
    output.err(`sluice ${name}: ${(err as Error).message}`);
    return 1;
  }
}

function usageError(output: Output, message: string): number {
  output.err(`sluice: ${message}\n`);
  output.err(USAGE);
  return 2;
}

/** node:util parseArgs reports unknown options and missing values with these codes. */
function isParseArgsError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

import { Command } from 'commander';
import { InstructsmithError } from '../core/errors.js';
import { packageVersion } from '../core/paths.js';
import { builtinPlugins } from '../plugins/index.js';
import { commands } from './commands/index.js';
import { registerPluginCommands } from './plugin-commands.js';

/**
 * The `instructsmith` CLI. Each subcommand lives in commands/<name>.ts and exports
 * `register(program)`; commands/index.ts lists them.
 * Exit codes: 0 success, 1 a run or command failed, 2 bad usage or configuration.
 */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('instructsmith')
    .description('Turn real code into instruction-tuning data for code LLMs, and hand it to trainers.')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  registerPluginCommands(program, builtinPlugins);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

/** Print an error the way users should see it; return the exit code. */
export function reportError(err: unknown): number {
  const e = err as { code?: string; exitCode?: number };
  if (typeof e?.code === 'string' && e.code.startsWith('commander.')) {
    return e.exitCode ?? 2;
  }
  if (err instanceof InstructsmithError) {
    process.stderr.write(`instructsmith: ${err.describe()}\n`);
    return err.code.startsWith('CONFIG') || err.code.startsWith('USAGE') ? 2 : 1;
  }
  const anyErr = err as { message?: string; hint?: string };
  process.stderr.write(`instructsmith: ${anyErr?.message ?? String(err)}${anyErr?.hint ? `\n  hint: ${anyErr.hint}` : ''}\n`);
  if (process.env.INSTRUCTSMITH_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return 1;
}

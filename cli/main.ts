import { Command } from 'commander';
import { InstructsmithError, PluginError, redactSecrets, rootCause } from '../core/errors.js';
import { LlmError } from '../core/llm/types.js';
import { packageVersion } from '../core/paths.js';
import { builtinPlugins } from '../plugins/index.js';
import { commands } from './commands/index.js';
import { registerPluginCommands } from './plugin-commands.js';

/**
 * The `instructsmith` CLI. Each subcommand lives in commands/<name>.ts and exports
 * `register(program)`; commands/index.ts lists them.
 * Exit codes:
 * - 0: success (for `run`: the run completed, or was already complete);
 * - 1: a run or command failed;
 * - 2: bad usage or configuration;
 * - 75 (EX_TEMPFAIL, sysexits.h): the run stopped because its LLM endpoint failed (unreachable,
 *   rejected key, unknown model, garbage replies, retries exhausted); finished seeds are checkpointed,
 *   none was dropped for the failure, and running the same command again resumes (printed to stderr);
 * - 130: interrupted by SIGINT/SIGTERM; resumable the same way.
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
    return reportError(err, argv);
  }
}

/** Exit code of a run stopped by its endpoint, resumable (EX_TEMPFAIL from sysexits.h). */
export const EXIT_STOPPED_RESUMABLE = 75;

/**
 * Print an error the way users should see it; return the exit code (see {@link main}).
 * @param argv the command line (without `node instructsmith`); given, a fatal LLM error during `run`
 *   prints the command that resumes, with any credentials in it removed.
 */
export function reportError(err: unknown, argv?: readonly string[]): number {
  const e = err as { code?: string; exitCode?: number };
  if (typeof e?.code === 'string' && e.code.startsWith('commander.')) {
    return e.exitCode ?? 2;
  }
  const cause = rootCause(err);
  if (cause instanceof LlmError && cause.fatal) {
    // The message of a PluginError names the plugin, hook and record the failing call was made for.
    const message = err instanceof PluginError ? err.message : cause.message;
    const hint = cause.hint ? `\n  hint: ${redactSecrets(cause.hint)}` : '';
    process.stderr.write(`instructsmith: ${redactSecrets(message)}${hint}\n`);
    if (argv?.[0] === 'run') {
      const shown = argv.map((a) => redactSecrets(a));
      const removed = shown.some((a, i) => a !== argv[i]);
      process.stderr.write(
        `instructsmith: the run stopped; finished seeds are saved and none was dropped for this failure. Fix the endpoint, then resume with:\n  instructsmith ${shown.map(shellQuote).join(' ')}\n` +
          (removed ? '  (credentials were removed from this line: give them again)\n' : ''),
      );
    }
    return EXIT_STOPPED_RESUMABLE;
  }
  if (err instanceof InstructsmithError) {
    process.stderr.write(`instructsmith: ${err.describe()}\n`);
    return err.code.startsWith('CONFIG') || err.code.startsWith('USAGE') ? 2 : 1;
  }
  const anyErr = err as { message?: string; hint?: string };
  process.stderr.write(`instructsmith: ${redactSecrets(anyErr?.message ?? String(err))}${anyErr?.hint ? `\n  hint: ${anyErr.hint}` : ''}\n`);
  if (process.env.INSTRUCTSMITH_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${redactSecrets(err.stack)}\n`);
  return 1;
}

/** `arg` as a POSIX shell word: left bare when it has only safe characters, else single-quoted. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

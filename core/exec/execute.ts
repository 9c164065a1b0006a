import { ConfigError } from '../errors.js';
import { executableLanguages, type Hooks } from '../hooks.js';
import type { ExecutionRequest, ExecutionResult } from './types.js';

/**
 * Run `request` with the executor tapped for its language on `hooks.execute` (the way strategies,
 * judges and filters should execute code).
 *
 * @returns the executor's result.
 * @throws ConfigError (`EXECUTOR_MISSING`) naming the language and listing the languages that have an
 *   executor, when none handles it (add `executor:sandbox` to the config, or enable the language in it).
 * @throws whatever the executor throws (SandboxUnavailableError when bwrap cannot be used).
 */
export async function execute(hooks: Hooks, request: ExecutionRequest): Promise<ExecutionResult> {
  const handled = executableLanguages(hooks);
  const result = handled.includes(request.language) ? await hooks.execute.get(request.language)!.promise(request) : undefined;
  if (result) return result;
  throw new ConfigError(
    `no executor runs ${request.language} code (languages with an executor: ${handled.length ? handled.join(', ') : 'none'})`,
    {
      code: 'EXECUTOR_MISSING',
      hint: `add "executor:sandbox" to plugins, and make sure "${request.language}" is in its languages option and its runtime is installed`,
    },
  );
}

import type { Command } from 'commander';
import type { Plugin } from '../core/index.js';
import { stderrLogger } from '../core/runner/host.js';

/**
 * Register the subcommands plugins contribute (`Plugin.commands`, e.g. strategy:backfeeding's
 * `graph`) with commander. A name that clashes with an existing command is an error at start-up,
 * naming both, so no plugin can shadow `run`.
 */
export function registerPluginCommands(program: Command, plugins: readonly Plugin[]): void {
  const taken = new Set(program.commands.map((c) => c.name()));
  for (const plugin of plugins) {
    for (const cmd of plugin.commands ?? []) {
      if (taken.has(cmd.name)) throw new Error(`plugin ${plugin.name} contributes the command "${cmd.name}", which already exists`);
      taken.add(cmd.name);
      const c = program.command(cmd.name).description(`${cmd.description} (from ${plugin.name})`);
      for (const a of cmd.arguments ?? []) c.argument(a.name, a.description);
      for (const o of cmd.options ?? []) c.option(o.flags, o.description, o.default as string | boolean | undefined);
      if (cmd.examples?.length) c.addHelpText('after', `\nExamples:\n${cmd.examples.map((e) => `  ${e}`).join('\n')}`);
      c.action(async (...args: unknown[]) => {
        const positional = args.slice(0, (cmd.arguments ?? []).length).map(String);
        const flags = (args[(cmd.arguments ?? []).length] ?? {}) as Record<string, unknown>;
        const code = await cmd.run(positional, flags, { out: (t) => process.stdout.write(t), log: stderrLogger() });
        if (typeof code === 'number' && code !== 0) process.exitCode = code;
      });
    }
  }
}

import type { Command } from 'commander';
import { listPresets, readPreset } from '../../core/config/presets.js';

/** `instructsmith presets`: the built-in presets, their paper and plugins. */
export function register(program: Command): void {
  program
    .command('presets')
    .description('list the built-in presets (published pipelines) and the plugins each one runs')
    .option('--json', 'print JSON instead of text')
    .action((opts: { json?: boolean }) => {
      const presets = listPresets().map((name) => {
        const { data } = readPreset(name, process.cwd());
        return { name, description: data.description, paper: data.paper, plugins: Object.keys((data.plugins as object) ?? {}) };
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(presets, null, 2)}\n`);
        return;
      }
      for (const p of presets) {
        process.stdout.write(`${p.name}\n  ${p.description ?? ''}\n  paper: ${p.paper ?? '-'}\n  plugins: ${p.plugins.join(', ')}\n\n`);
      }
    });
}

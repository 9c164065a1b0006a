import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as presets } from './presets.js';

/** Every subcommand, in help order. Add one line per command file. */
export const commands: Array<(program: Command) => void> = [run, presets];

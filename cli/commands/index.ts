import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as presets } from './presets.js';
import { register as exportCommand } from './export.js';
import { register as verify } from './verify.js';
import { register as select } from './select.js';
import { register as worker } from './worker.js';
import { register as evaluate } from './evaluate.js';
import { register as diagnose } from './diagnose.js';

/** The built-in subcommands, in help order (plugins add theirs: see cli/plugin-commands.ts). Add one line per command file. */
export const commands: Array<(program: Command) => void> = [run, select, evaluate, diagnose, presets, exportCommand, verify, worker];

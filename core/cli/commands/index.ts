import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as presets } from './presets.js';
import { register as graph } from './graph.js';
import { register as exportCommand } from './export.js';
import { register as verify } from './verify.js';

/** Every subcommand, in help order. Add one line per command file. */
export const commands: Array<(program: Command) => void> = [run, presets, exportCommand, graph, verify];

import axolotl from './axolotl.js';
import llamaFactory from './llama-factory.js';
import trl from './trl.js';

/** Built-in trainer plugins, by trainer name (`--trainer`). */
export const trainers = { axolotl, 'llama-factory': llamaFactory, trl } as const;
export { TRAINER_FORMAT } from './define.js';

import { defineTrainer } from './define.js';

/** `trainer:trl`: TRL `trl sft` config over the pre-tokenized export (assistant-only loss from its labels). */
export default defineTrainer('trl', 'TRL SFT config (pre-tokenized export), the paper\'s SFT hyperparameters');

import { defineTrainer } from './define.js';

/** `trainer:axolotl`: axolotl launch config over the messages export (`chat_template` datasets, per-message weights). */
export default defineTrainer('axolotl', 'axolotl launch config (chat_template over the messages export), the paper\'s SFT hyperparameters');

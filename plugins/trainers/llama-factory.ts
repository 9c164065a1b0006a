import { defineTrainer } from './define.js';

/** `trainer:llama-factory`: LLaMA-Factory SFT config over the ShareGPT export and its dataset_info.json. */
export default defineTrainer('llama-factory', 'LLaMA-Factory SFT config (ShareGPT export, dataset_info.json), the paper\'s SFT hyperparameters');

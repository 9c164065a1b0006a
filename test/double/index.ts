/** The LLM HTTP test double: an OpenAI- and Ollama-compatible server for tests, demos and CI. */
export { startLlmDouble, doubleTokens, doubleLogprobs, type LlmDouble } from './double.js';
export type * from './types.js';

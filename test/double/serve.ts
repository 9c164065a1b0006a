/**
 * Run the LLM test double as a standalone process, for manual runs and CI demos:
 *
 *   node --import tsx test/double/serve.ts --port 8089 [--host 127.0.0.1] [--require-key KEY]
 *                                           [--model NAME ...] [--verbose]
 *
 * Prints the URLs to point instructsmith at (`OPENAI_BASE_URL=...`, `OLLAMA_HOST=...`) and keeps
 * serving until SIGINT/SIGTERM. Replies are the double's defaults: schema-valid JSON for structured
 * calls (numbers at their maximum), a short echo for plain calls.
 */
import { parseArgs } from 'node:util';
import { startLlmDouble } from './double.js';

const USAGE = 'usage: node --import tsx test/double/serve.ts [--port N] [--host ADDR] [--require-key KEY] [--model NAME ...] [--verbose]';

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'require-key': { type: 'string' },
      model: { type: 'string', multiple: true },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be an integer 0..65535, got "${values.port}"\n${USAGE}\n`);
  process.exit(2);
}

const double = await startLlmDouble({
  port,
  host: values.host,
  requireKey: values['require-key'],
  models: values.model,
  log: values.verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
});
process.stdout.write(`llm double listening on port ${double.port}\n  OPENAI_BASE_URL=${double.url}\n  OLLAMA_HOST=${double.ollamaUrl}\n`);

const stop = () => {
  void double.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/**
 * The HTTP test double with the scripted model's replies, as its own process, for genetic.bench.ts:
 * the double records every request, so in the benchmark's process it would grow RSS with every call
 * and hide whether the run itself stays bounded. Prints the base URL on stdout; `LATENCY_MS` delays each reply.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { scriptedModel } from '../../plugins/providers/mock/scripted.js';
import { startLlmDouble } from '../double/index.js';

const latency = Number(process.env.LATENCY_MS ?? 0);
const scripted = scriptedModel();
const double = await startLlmDouble();
double.reply(async (req) => {
  if (latency) await sleep(latency);
  return scripted(req);
});
process.stdout.write(`${double.url}\n`);
process.on('SIGTERM', () => void double.close().then(() => process.exit(0)));

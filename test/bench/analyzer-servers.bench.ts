/** `npm run bench analyzer-servers`: the analyzer-server section of issue #15 alone (test/bench/scale/analyzer-servers.ts). */
export { default } from './scale/analyzer-servers.js';

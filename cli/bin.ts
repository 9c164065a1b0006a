import { main } from './main.js';

// Entry point of the `instructsmith` command (bin/instructsmith.js runs the compiled copy).
process.exitCode = await main(process.argv.slice(2));

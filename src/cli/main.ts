// Entry point of the `tendril` command (package bin: bin/tendril.mjs runs the built dist/cli.js).
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));

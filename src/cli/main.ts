// Entry point of the `tendril` command (package bin: bin/tendril.mjs runs the built dist/cli/main.js).
import { main } from './cli.js';

process.exitCode = await main(process.argv.slice(2));
// Everything is shut down: a handle still open past this grace (unref'd: it never delays a
// clean exit) must not keep the command from ending.
setTimeout(() => process.exit(), 2000).unref();

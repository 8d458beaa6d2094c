// Entry point for runCli: the same as bin/costopt.js, but on the TypeScript sources.
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv);

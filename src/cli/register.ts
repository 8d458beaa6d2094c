// What each command file exports: it adds its command to the program (src/cli/main.ts lists them).

import type { Command } from "commander";

export type Register = (program: Command, setExitCode: (code: number) => void) => void;

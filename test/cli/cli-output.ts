// Runs the `costopt` command in-process and captures what a user sees: exit code, stdout, stderr.

import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

export interface CliOutput {
  code: number;
  stdout: string;
  stderr: string;
}

export async function costopt(...args: string[]): Promise<CliOutput> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      out.push(String(s));
      return true;
    }),
    vi.spyOn(process.stderr, "write").mockImplementation((s) => {
      err.push(String(s));
      return true;
    }),
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
      out.push(`${a.join(" ")}\n`);
    }),
    vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
      err.push(`${a.join(" ")}\n`);
    }),
    vi.spyOn(console, "warn").mockImplementation((...a: unknown[]) => {
      err.push(`${a.join(" ")}\n`);
    }),
  ];
  try {
    const code = await main(["node", "costopt", ...args]);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

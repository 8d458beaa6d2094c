// Runs the costopt CLI's main() in this process with stdout and stderr captured (a spawned
// process per call would cost seconds each). The caller restores the spies (vi.restoreAllMocks).
import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

export async function mainCaptured(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    err += `${a.join(" ")}\n`;
  });
  const code = await main(["node", "costopt", ...args]);
  return { code, out, err };
}

// `npm run test:stress [-- N [vitest args...]]`: the whole suite N times (default 3) while two
// busy loops keep both cores loaded, one line per run. For people checking that the suite does
// not depend on timing; CI runs the suite once, unloaded (.ci/run).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const runs = /^\d+$/.test(args[0] ?? "") ? Number(args.shift()) : 3;
const logs = mkdtempSync(join(tmpdir(), "costopt-stress-"));

// One spinning process per core, at normal priority: the suite competes for every core.
const loops: ChildProcess[] = cpus().map(() =>
  spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
);
const stopLoops = () => {
  for (const l of loops) l.kill("SIGKILL");
};
process.on("exit", stopLoops);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopLoops();
    process.exit(130);
  });
}

/** Runs the suite once; resolves with its exit code, output and seconds. */
function suite(): Promise<{ code: number; out: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn("npx", ["vitest", "run", ...args], {
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) =>
      resolve({ code: code ?? 1, out, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

/** "Tests  791 passed (791)" -> "791 passed"; the failing test names when there are any. */
function summary(raw: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes, should a reporter still emit them
  const out = raw.replace(/\x1b\[[0-9;]*m/g, "");
  const tests = /^\s*Tests\s+(.+?)\s*$/m.exec(out)?.[1] ?? "no test summary";
  const failed = [...out.matchAll(/^\s*(?:FAIL|×)\s+(.+?)\s*$/gm)].map((m) => m[1]).slice(0, 5);
  return failed.length ? `${tests}; failed: ${failed.join(" | ")}` : tests;
}

process.stdout.write(`stress: ${runs} run(s) of the suite, ${loops.length} busy loop(s); logs in ${logs}\n`);
let green = 0;
for (let i = 1; i <= runs; i++) {
  const { code, out, seconds } = await suite();
  const log = join(logs, `run-${i}.log`);
  writeFileSync(log, out);
  if (code === 0) green++;
  process.stdout.write(
    `run ${i}/${runs}: ${code === 0 ? "green" : "RED"} in ${seconds.toFixed(1)} s — ${summary(out)} (${log})\n`,
  );
}
stopLoops();
process.stdout.write(`stress: ${green} of ${runs} runs green\n`);
process.exit(green === runs ? 0 : 1);

// npm run bench [-- --scale 0.1] [-- --only name]: runs every test/bench/*.bench.ts in its own
// process and prints one table of all results, with the machine they ran on.

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import type { BenchResult } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;
const passArgs = args.filter((_, i) => i !== onlyIdx && i !== onlyIdx + 1);

const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => !only || f.includes(only))
  .sort();

const all: BenchResult[] = [];
let failed = 0;
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(here, file), ...passArgs], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 2 ** 20,
  });
  const line = run.stdout.split("\n").find((l) => l.startsWith("BENCH_RESULTS "));
  if (run.status !== 0 || !line) {
    failed++;
    all.push({ benchmark: file, metric: "FAILED", value: Number.NaN, unit: `exit ${run.status}` });
    continue;
  }
  all.push(...(JSON.parse(line.slice("BENCH_RESULTS ".length)) as BenchResult[]));
}

const table = new Table({ head: ["benchmark", "metric", "value", "unit", "target", "ok"] });
for (const r of all) {
  const value = Number.isInteger(r.value) ? String(r.value) : r.value.toFixed(r.value < 10 ? 3 : 1);
  table.push([
    r.benchmark,
    r.metric,
    value,
    r.unit,
    r.target ?? "",
    r.ok === undefined ? "" : r.ok ? "yes" : "NO",
  ]);
}
const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(
  `machine: ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
);
console.log(table.toString());
process.exitCode = failed ? 1 : 0;

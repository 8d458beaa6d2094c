// Shared bench plumbing. Each benchmark is a file test/bench/<name>.bench.ts that calls
// runBench(); run.ts starts every such file in its own Node process (so peak RSS is that
// benchmark's alone) and prints one table with all results.

import { readFileSync } from "node:fs";

export interface BenchResult {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  /** The target, e.g. "<= 2000". */
  target?: string;
  /** Whether the value meets the target; undefined when there is none. */
  ok?: boolean;
}

export interface BenchOptions {
  /** 1 = the size the issue asks for; smaller for a quick look (npm run bench -- --scale 0.1). */
  scale: number;
}

export function benchOptions(argv = process.argv): BenchOptions {
  const i = argv.indexOf("--scale");
  const scale = i >= 0 ? Number(argv[i + 1]) : Number(process.env.BENCH_SCALE ?? 1);
  if (!Number.isFinite(scale) || scale <= 0)
    throw new Error(`--scale must be a positive number, got ${argv[i + 1]}`);
  return { scale };
}

/** Peak resident set size of this process so far, in MiB (VmHWM from /proc). */
export function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

/** Peak RSS of another process (e.g. a Prometheus server), in MiB. */
export function peakRssOfPid(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number;
}

/** Runs a benchmark body and hands its results to run.ts (one JSON line on stdout). */
export async function runBench(body: (opts: BenchOptions) => Promise<BenchResult[]>): Promise<void> {
  const results = await body(benchOptions());
  process.stdout.write(`BENCH_RESULTS ${JSON.stringify(results)}\n`);
}

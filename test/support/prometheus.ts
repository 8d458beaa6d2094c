// A real Prometheus (the Debian package) for tests and benchmarks: backfilled with promtool
// from OpenMetrics files into a fresh data dir, listening on a free loopback port, killed on
// stop(). Fails loudly when the binaries are missing: these tests mean nothing without them.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./ports.js";

const run = promisify(execFile);

export interface RunningPrometheus {
  url: string;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

async function requireBinary(name: string): Promise<string> {
  try {
    const { stdout } = await run("sh", ["-c", `command -v ${name}`]);
    return stdout.trim();
  } catch {
    throw new Error(
      `${name} is not installed; install it with: apt-get install -y --no-install-recommends prometheus`,
    );
  }
}

/** Writes TSDB blocks for the OpenMetrics file into dir (created when missing). */
export async function backfill(openMetricsFile: string, dir: string): Promise<void> {
  const promtool = await requireBinary("promtool");
  try {
    await run(
      promtool,
      ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=168h", openMetricsFile, dir],
      {
        maxBuffer: 64 * 2 ** 20,
      },
    );
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`promtool could not backfill ${openMetricsFile}: ${err.stderr || err.message}`);
  }
}

export interface StartOptions {
  /** OpenMetrics files to backfill into the fresh data dir. */
  files?: string[];
  /** Ready-made TSDB blocks (e.g. a cache) copied into the fresh data dir by hard links. */
  blocksDir?: string;
}

export async function startPrometheus(options: StartOptions = {}): Promise<RunningPrometheus> {
  const binary = await requireBinary("prometheus");
  const dataDir = await mkdtemp(join(tmpdir(), "costopt-prom-"));
  const tsdb = join(dataDir, "tsdb");
  if (options.blocksDir) await cp(options.blocksDir, tsdb, { recursive: true });
  for (const f of options.files ?? []) await backfill(f, tsdb);
  const config = join(dataDir, "prometheus.yml");
  await writeFile(config, "global: {}\n");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${tsdb}`,
      "--storage.tsdb.retention.time=3650d",
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + String(d)).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited with ${child.exitCode} before it was ready: ${stderr}`);
    }
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus at ${url} was not ready within 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, pid: child.pid as number, dataDir, stop };
}

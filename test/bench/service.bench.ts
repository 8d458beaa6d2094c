// The service (src/server/service.ts) in a child process against the Kubernetes test double:
//   - RSS idle (leader, informer started, no policies), then peak RSS while reconciling 1,000
//     policies (created at once; synthetic reconciler, see service-process.ts);
//   - admission latency at 500 AdmissionReviews per second for 30 s over HTTPS on loopback,
//     open loop with keep-alive connections as the API server uses, from a separate load
//     generator process (admission-load.ts).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FakeKubeApi } from "../support/kube-api.js";
import { selfSignedCert } from "../support/tls.js";
import { waitFor } from "../support/wait.js";
import { type LoadSummary, policy, RATE } from "./admission-load.js";
import { type BenchResult, peakRssOfPid, runBench } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "../..");

/** Compiles src/ and the service process to .bench/service-dist, as the image runs compiled JS. */
function compile(): string {
  const dir = join(repo, ".bench");
  mkdirSync(dir, { recursive: true });
  const tsconfig = join(dir, "tsconfig.service.json");
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: "../tsconfig.json",
      compilerOptions: { rootDir: "..", outDir: "service-dist", sourceMap: false, noEmitOnError: false },
      include: ["../src", "../test/bench/service-process.ts"],
    }),
  );
  spawnSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", tsconfig], {
    stdio: "ignore",
  });
  const out = join(dir, "service-dist/test/bench/service-process.js");
  if (!existsSync(out)) throw new Error(`compiling the service failed (${tsconfig})`);
  return out;
}

function rssOfPid(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

function startChild(
  script: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; admissionPort: number; port: number }> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    child.stdout?.on("data", (c: Buffer) => {
      buf += c.toString();
      const m = /READY (.*)\n/.exec(buf);
      if (m) resolve({ child, ...(JSON.parse(m[1] as string) as { admissionPort: number; port: number }) });
    });
    child.on("exit", (code) => reject(new Error(`service exited with ${code}`)));
  });
}

await runBench(async ({ scale }) => {
  const api = new FakeKubeApi();
  const url = await api.start();
  const tls = selfSignedCert();
  const { child, admissionPort, port } = await startChild(compile(), {
    KUBE_URL: url,
    TLS_CERT_FILE: tls.certFile,
    TLS_KEY_FILE: tls.keyFile,
  });
  const pid = child.pid as number;
  const results: BenchResult[] = [];
  try {
    // Idle means started and settled: leading, with the policy watch open (nothing to reconcile yet).
    await waitFor(
      () =>
        api.requests.some((r) => r.path.includes("/costoptimizations") && r.path.includes("watch=")) ||
        undefined,
      "the service's policy watch",
    );
    const idle = rssOfPid(pid);
    results.push({
      benchmark: "service",
      metric: "RSS idle",
      value: idle,
      unit: "MiB",
      // With @kubernetes/client-node loaded (about 70 MiB of it), as `costopt serve` runs.
      target: "<= 150",
      ok: idle <= 150,
    });

    const count = Math.max(1, Math.round(1000 * scale));
    const t0 = performance.now();
    for (let i = 0; i < count; i++) api.put("costopt.dev", "v1", "costoptimizations", policy(i));
    await waitFor(
      () =>
        api
          .list("costopt.dev", "v1", "costoptimizations")
          .every((p) => (p.status as { phase?: string } | undefined)?.phase === "Ready") || undefined,
      `${count} policies Ready`,
      10 * 60_000,
      100,
    );
    const seconds = (performance.now() - t0) / 1000;
    const peak = peakRssOfPid(pid);
    results.push(
      {
        benchmark: "service",
        metric: `peak RSS reconciling ${count} policies`,
        value: peak,
        unit: "MiB",
        target: "<= 200",
        ok: peak <= 200,
      },
      { benchmark: "service", metric: `time to reconcile ${count} policies`, value: seconds, unit: "s" },
    );

    // Asynchronous: this process serves the API double the service (and its admission label lookups) calls.
    const load = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        join(here, "admission-load.ts"),
        String(port),
        String(admissionPort),
        tls.certFile,
        String(30 * scale),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let stdout = "";
    load.stdout?.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    const code = await new Promise<number | null>((r) => load.once("exit", r));
    if (code !== 0) throw new Error(`the admission load generator exited with ${code}`);
    const l = JSON.parse(stdout.trim().split("\n").pop() as string) as LoadSummary;
    results.push(
      {
        benchmark: "service",
        metric: `admission p50 (${RATE}/s, ${l.count} reqs)`,
        value: l.p50,
        unit: "ms",
      },
      {
        benchmark: "service",
        metric: "admission p99",
        value: l.p99,
        unit: "ms",
        target: "<= 5",
        ok: l.p99 <= 5,
      },
      { benchmark: "service", metric: "admission max", value: l.max, unit: "ms" },
      {
        benchmark: "service",
        metric: "admission p99 from scheduled send time",
        value: l.p99FromSchedule,
        unit: "ms",
      },
      // The service's own view (its histogram): time from request to response inside the process.
      {
        benchmark: "service",
        metric: "admission p99 in the server (bucket bound)",
        value: l.serverP99,
        unit: "ms",
      },
      { benchmark: "service", metric: "RSS after admission load", value: rssOfPid(pid), unit: "MiB" },
      // Latency tails on a shared 2-core machine follow its load; the figure says how busy it was.
      {
        benchmark: "service",
        metric: "machine load average (1 min) after the run",
        value: loadavg()[0] ?? 0,
        unit: "",
      },
    );
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await api.stop();
  }
  return results;
});

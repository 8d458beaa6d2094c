// The service (src/server/service.ts) in a child process against the Kubernetes test double:
//   - RSS idle (leader, informer started, no policies), then peak RSS while reconciling 1,000
//     policies (created at once; synthetic reconciler, see service-process.ts);
//   - admission latency at 500 AdmissionReviews per second for 30 s over HTTPS on loopback,
//     open loop (each latency counts from the request's scheduled send time, so a stall is
//     not hidden by sending less), keep-alive connections as the API server uses.

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SPEC_DEFAULTS } from "../../src/api/defaults.js";
import { FakeKubeApi } from "../support/kube-api.js";
import { selfSignedCert } from "../support/tls.js";
import { type BenchResult, peakRssOfPid, percentile, runBench } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, "../..");
const RATE = 500;

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

function policy(i: number) {
  return {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name: `policy-${i}`, namespace: `team-${i % 20}` },
    spec: {
      targetWorkload: { name: `app-${i}`, kind: "Deployment" },
      optimizationType: "CPU",
      ...SPEC_DEFAULTS,
    },
  };
}

/** Cumulative admission-duration buckets (le -> count) from the service's /metrics. */
async function serverBuckets(port: number): Promise<Map<number, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<number, number>();
  for (const m of text.matchAll(
    /^costopt_admission_duration_seconds_bucket\{le="([^"]+)",webhook="[^"]+"\} (\d+)$/gm,
  )) {
    const le = m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]);
    out.set(le, (out.get(le) ?? 0) + Number(m[2]));
  }
  return out;
}

/** The smallest bucket bound holding p% of the requests between two bucket snapshots, in ms. */
function bucketPercentile(before: Map<number, number>, after: Map<number, number>, p: number): number {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  for (const le of les) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= (p / 100) * total) return le * 1000;
  }
  return Number.POSITIVE_INFINITY;
}

/**
 * Per-request latency (send to response, what the API server waits for) and the same counted
 * from each request's scheduled time (adds the load generator's own lateness on a busy machine).
 */
async function admissionLoad(
  port: number,
  ca: Buffer,
  seconds: number,
  onMeasuring?: () => Promise<void>,
): Promise<{ latencies: number[]; fromSchedule: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32, ca });
  const bodies = [
    JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { uid: "u", operation: "CREATE", namespace: "shop", object: policy(1) },
    }),
    JSON.stringify({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "u",
        operation: "CREATE",
        namespace: "shop",
        object: { ...policy(2), spec: { ...policy(2).spec, maxChangePercent: 120, autoApply: true } },
      },
    }),
  ];
  const send = (path: string, body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, method: "POST", agent }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      });
      req.on("error", reject);
      req.end(body);
    });
  const run = async (count: number, record: boolean) => {
    const latencies: number[] = [];
    const fromSchedule: number[] = [];
    const inflight: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const path = i % 4 === 3 ? "/mutate" : "/validate";
      const sent = performance.now();
      const done = send(path, bodies[i % 2] as string);
      inflight.push(
        record
          ? done.then(() => {
              const end = performance.now();
              latencies.push(end - sent);
              fromSchedule.push(end - due);
            })
          : done,
      );
    }
    await Promise.all(inflight);
    return { latencies, fromSchedule };
  };
  // Unmeasured warm-up at the same rate: the connection pool fills (TLS handshakes) and the
  // JIT settles, as on a webhook the API server has been calling for a while.
  await run(RATE * 3, false);
  await onMeasuring?.();
  const measured = await run(Math.round(RATE * seconds), true);
  agent.destroy();
  return measured;
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
    await sleep(2000);
    const idle = rssOfPid(pid);
    results.push({
      benchmark: "service",
      metric: "RSS idle",
      value: idle,
      unit: "MiB",
      target: "<= 100",
      ok: idle <= 100,
    });

    const count = Math.max(1, Math.round(1000 * scale));
    const t0 = performance.now();
    for (let i = 0; i < count; i++) api.put("costopt.dev", "v1", "costoptimizations", policy(i));
    for (;;) {
      const ready = api.list("costopt.dev", "v1", "costoptimizations").filter((p) => {
        return (p.status as { phase?: string } | undefined)?.phase === "Ready";
      }).length;
      if (ready === count) break;
      await sleep(100);
    }
    const seconds = (performance.now() - t0) / 1000;
    const peak = peakRssOfPid(pid);
    results.push(
      {
        benchmark: "service",
        metric: `peak RSS reconciling ${count} policies`,
        value: peak,
        unit: "MiB",
        target: "<= 150",
        ok: peak <= 150,
      },
      { benchmark: "service", metric: `time to reconcile ${count} policies`, value: seconds, unit: "s" },
    );

    let before = new Map<number, number>();
    const { latencies, fromSchedule } = await admissionLoad(admissionPort, tls.cert, 30 * scale, async () => {
      before = await serverBuckets(port);
    });
    const serverP99 = bucketPercentile(before, await serverBuckets(port), 99);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    results.push(
      {
        benchmark: "service",
        metric: `admission p50 (${RATE}/s, ${latencies.length} reqs)`,
        value: p50,
        unit: "ms",
      },
      { benchmark: "service", metric: "admission p99", value: p99, unit: "ms", target: "<= 5", ok: p99 <= 5 },
      { benchmark: "service", metric: "admission max", value: Math.max(...latencies), unit: "ms" },
      {
        benchmark: "service",
        metric: "admission p99 from scheduled send time",
        value: percentile(fromSchedule, 99),
        unit: "ms",
      },
      // The service's own view (its histogram): time from request to response inside the process.
      {
        benchmark: "service",
        metric: "admission p99 in the server (bucket bound)",
        value: serverP99,
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

// The admission load generator of service.bench.ts, in its own process so that its timers and
// garbage collection are not disturbed by the API double the parent hosts (and vice versa).
// Usage: admission-load.ts <http port> <admission port> <CA file> <seconds>; prints one JSON line.

import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { fileURLToPath } from "node:url";
import { SPEC_DEFAULTS } from "../../src/api/defaults.js";
import { percentile } from "./harness.js";

export const RATE = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function policy(i: number) {
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

export interface LoadSummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  p99FromSchedule: number;
  serverP99: number;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [port, admissionPort, caFile, seconds] = process.argv.slice(2);
  let before = new Map<number, number>();
  const { latencies, fromSchedule } = await admissionLoad(
    Number(admissionPort),
    readFileSync(caFile as string),
    Number(seconds),
    async () => {
      before = await serverBuckets(Number(port));
    },
  );
  const summary: LoadSummary = {
    count: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    p99FromSchedule: percentile(fromSchedule, 99),
    serverP99: bucketPercentile(before, await serverBuckets(Number(port)), 99),
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

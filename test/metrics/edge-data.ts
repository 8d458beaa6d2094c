// One hour of hand-made data at 1-minute resolution with the awkward cases both sources must
// handle the same way: a counter reset, NaN and +-Inf samples, a restart after an OOM kill,
// a namespace without kube-state-metrics, and a requested workload with no data at all.

import { expect } from "vitest";
import { RELATIVE_ACCURACY } from "../../src/metrics/sketch.js";
import type { ContainerUsage, WorkloadRef, WorkloadUsage } from "../../src/metrics/types.js";
import { counter, series, T0 } from "./om.js";

export const EDGE_WINDOW = { start: T0, end: T0 + 3600 };

export const EDGE_WORKLOADS: WorkloadRef[] = [
  { namespace: "edge", kind: "Deployment", name: "cart" },
  { namespace: "edge", kind: "Deployment", name: "ghost" },
  { namespace: "noksm", kind: "StatefulSet", name: "db" },
  { namespace: "noksm", kind: "DaemonSet", name: "agent" },
];

const Mi = 2 ** 20;
const STEP = 60;
/** Samples start 10 minutes before the window, so the first grid points have history. */
const FROM = T0 - 600;
const N = 71;

export function edgeLines(): string[] {
  const cart = 'namespace="edge",pod="cart-6b7f9c8d5-x2k4p",container="app"';
  // 6 CPU-seconds a minute is 100m. The container restarts at T0+30m: the counter starts again
  // from 0 (6 one minute later). One sample is NaN.
  const cpu: (number | string)[] = counter(6, N).map((v, i) => (i >= 40 ? 6 * (i - 39) : v));
  cpu[55] = "NaN";
  const mem: (number | string)[] = Array.from({ length: N }, () => 100 * Mi);
  mem[20] = "NaN";
  mem[30] = "+Inf";
  mem[31] = "-Inf";
  const restarts = Array.from({ length: N }, (_, i) => (i >= 40 ? 1 : 0));
  const oom = Array.from({ length: N }, (_, i) => (i >= 40 ? 1 : null));
  const db = 'namespace="noksm",pod="db-0",container="postgres"';
  const agent = 'namespace="noksm",pod="agent-x7k2p",container="agent"';
  return [
    "# TYPE container_cpu_usage_seconds counter",
    ...series(`container_cpu_usage_seconds_total{${cart}}`, FROM, STEP, cpu),
    ...series(`container_cpu_usage_seconds_total{${db}}`, FROM, STEP, counter(12, N)),
    ...series(`container_cpu_usage_seconds_total{${agent}}`, FROM, STEP, counter(3, N)),
    // The pod-level series cAdvisor also exports is not a container.
    ...series(
      'container_cpu_usage_seconds_total{namespace="edge",pod="cart-6b7f9c8d5-x2k4p",container=""}',
      FROM,
      STEP,
      counter(60, N),
    ),
    "# TYPE container_memory_working_set_bytes gauge",
    ...series(`container_memory_working_set_bytes{${cart}}`, FROM, STEP, mem),
    ...series(`container_memory_working_set_bytes{${db}}`, FROM, STEP, Array(N).fill(300 * Mi)),
    ...series(`container_memory_working_set_bytes{${agent}}`, FROM, STEP, Array(N).fill(50 * Mi)),
    "# TYPE kube_pod_container_status_restarts counter",
    ...series(`kube_pod_container_status_restarts_total{${cart}}`, FROM, STEP, restarts),
    "# TYPE kube_pod_container_status_last_terminated_reason gauge",
    ...series(
      `kube_pod_container_status_last_terminated_reason{${cart},reason="OOMKilled"}`,
      FROM,
      STEP,
      oom,
    ),
    "# TYPE kube_pod_owner gauge",
    ...series(
      'kube_pod_owner{namespace="edge",pod="cart-6b7f9c8d5-x2k4p",owner_kind="ReplicaSet",owner_name="cart-6b7f9c8d5"}',
      FROM,
      STEP,
      Array(N).fill(1),
    ),
    "# TYPE kube_replicaset_owner gauge",
    ...series(
      'kube_replicaset_owner{namespace="edge",replicaset="cart-6b7f9c8d5",owner_kind="Deployment",owner_name="cart"}',
      FROM,
      STEP,
      Array(N).fill(1),
    ),
  ];
}

/** What any source must report for edgeLines() over EDGE_WINDOW. */
export function expectEdgeUsage(usage: Map<string, WorkloadUsage>): void {
  expect([...usage.keys()].sort()).toEqual([
    "edge/Deployment/cart",
    "noksm/DaemonSet/agent",
    "noksm/StatefulSet/db",
  ]);

  const cart = usage.get("edge/Deployment/cart") as WorkloadUsage;
  expect(cart.ownership).toBe("owner-series");
  expect(cart.containers.map((c) => c.container)).toEqual(["app"]);
  const app = cart.containers[0] as ContainerUsage;
  // The reset neither dips nor goes negative: every 5-minute rate is 100m.
  expect(app.cpu.max).toBeCloseTo(100, 6);
  expectNear(app.cpu.p50, 100, RELATIVE_ACCURACY);
  expectNear(app.cpu.p99, 100, RELATIVE_ACCURACY);
  // 61 grid points; the first 5 have no 5-minute history inside the window, and the NaN
  // sample spoils the 6 rates whose span includes it.
  expect(app.samples).toBe(61 - 5 - 6);
  expect(app.coverage).toBeCloseTo(50 / 61, 6);
  // NaN and +-Inf working sets are not data.
  expect(app.memory.max).toBe(100 * Mi);
  expectNear(app.memory.p95, 100 * Mi, RELATIVE_ACCURACY);
  expect(app.restarts).toBe(1);
  expect(app.oomKills).toBe(1);
  expect(app.firstSample).toBe(T0 + 5 * 60);
  expect(app.lastSample).toBe(T0 + 3600);

  for (const [key, cpu, mem] of [
    ["noksm/StatefulSet/db", 200, 300 * Mi],
    ["noksm/DaemonSet/agent", 50, 50 * Mi],
  ] as const) {
    const u = usage.get(key) as WorkloadUsage;
    expect(u.ownership).toBe("name-pattern");
    expect(u.notes?.join(" ")).toMatch(/kube_pod_owner has no series in namespace noksm/);
    expectNear(u.containers[0]?.cpu.p95, cpu, RELATIVE_ACCURACY);
    expect(u.containers[0]?.memory.max).toBe(mem);
    expect(u.containers[0]?.restarts).toBe(0);
  }
}

/** |actual - expected| <= rel * |expected|, with both numbers in the failure message. */
export function expectNear(actual: number | undefined, expected: number, rel: number, what = ""): void {
  const ok = actual !== undefined && Math.abs(actual - expected) <= rel * Math.abs(expected) + 1e-9;
  expect(ok, `${what} ${actual} should be within ${(rel * 100).toFixed(2)}% of ${expected}`).toBe(true);
}

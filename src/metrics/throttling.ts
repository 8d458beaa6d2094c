// CPU throttling of a workload's containers from Prometheus (cAdvisor's CFS counters), for
// post-merge health: throttled periods / all periods over the window, summed over the pods.
// Pods are matched by the workload-name prefix, as the usage source does.

import type { WorkloadRef } from "../api/refs.js";
import { PrometheusClient, type PrometheusConnection } from "./prometheus-client.js";

/** What post-merge health asks of a metrics backend: the share of CFS periods throttled. */
export interface ThrottlingSource {
  throttlingRatio(ref: WorkloadRef, windowSeconds: number): Promise<number | undefined>;
}

const quote = (s: string) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function throttlingQuery(ref: WorkloadRef, windowSeconds: number): string {
  const sel = `namespace="${quote(ref.namespace)}",pod=~"${quote(`${escapeRegex(ref.name)}-.*`)}",container!="",container!="POD"`;
  const w = `${Math.max(60, Math.round(windowSeconds))}s`;
  return `sum(rate(container_cpu_cfs_throttled_periods_total{${sel}}[${w}])) / sum(rate(container_cpu_cfs_periods_total{${sel}}[${w}]))`;
}

export class PrometheusThrottling implements ThrottlingSource {
  private readonly client: PrometheusClient;

  constructor(
    connection: PrometheusConnection,
    private readonly now: () => number = Date.now,
  ) {
    this.client = new PrometheusClient(connection);
  }

  async throttlingRatio(ref: WorkloadRef, windowSeconds: number): Promise<number | undefined> {
    const [sample] = await this.client.query(
      throttlingQuery(ref, windowSeconds),
      Math.floor(this.now() / 1000),
    );
    const v = sample ? Number(sample.value[1]) : Number.NaN;
    // No CFS quota (no CPU limit) gives 0/0: not throttled, not a regression.
    return Number.isFinite(v) ? v : undefined;
  }
}

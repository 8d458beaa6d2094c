// CPU throttling from a real Prometheus, backfilled with cAdvisor's CFS counters for two pods
// of shop/web (30% of periods throttled) and one pod of another workload (fully throttled).

import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrometheusThrottling } from "../../src/metrics/throttling.js";
import { type RunningPrometheus, startPrometheus } from "../support/prometheus.js";

const START = 1_764_000_000;
const STEP = 30;
const POINTS = 40;
let prom: RunningPrometheus;

function openMetrics(): string {
  const lines: string[] = [];
  const series = [
    { pod: "web-7d4b9c-abcde", throttledPerStep: 30 },
    { pod: "web-7d4b9c-fghij", throttledPerStep: 30 },
    { pod: "webhook-5f6d-zzzzz", throttledPerStep: 100 },
  ];
  for (const [name, perStep] of [
    ["container_cpu_cfs_periods_total", () => 100],
    ["container_cpu_cfs_throttled_periods_total", (s: { throttledPerStep: number }) => s.throttledPerStep],
  ] as const) {
    lines.push(`# TYPE ${name.replace(/_total$/, "")} counter`);
    for (const s of series) {
      for (let i = 0; i < POINTS; i++) {
        const labels = `namespace="shop",pod="${s.pod}",container="app"`;
        lines.push(`${name}{${labels}} ${i * perStep(s)} ${START + i * STEP}`);
      }
    }
  }
  return `${lines.join("\n")}\n# EOF\n`;
}

beforeAll(async () => {
  const file = join(tmpdir(), `costopt-throttling-${process.pid}.om`);
  await writeFile(file, openMetrics());
  prom = await startPrometheus({ files: [file] });
});
afterAll(() => prom?.stop());

describe("CPU throttling from Prometheus", () => {
  const at = () => (START + (POINTS - 1) * STEP) * 1000;

  it("is throttled periods over all periods for the workload's pods only", async () => {
    const source = new PrometheusThrottling({ url: prom.url }, at);
    const ratio = await source.throttlingRatio({ namespace: "shop", kind: "Deployment", name: "web" }, 300);
    expect(ratio).toBeCloseTo(0.3, 5);
  });

  it("is unknown when the workload has no CFS data", async () => {
    const source = new PrometheusThrottling({ url: prom.url }, at);
    expect(
      await source.throttlingRatio({ namespace: "shop", kind: "Deployment", name: "api" }, 300),
    ).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { FileUsageSource } from "../../src/metrics/file-source.js";
import { OpenMetricsError } from "../../src/metrics/openmetrics.js";
import { EDGE_WINDOW, EDGE_WORKLOADS, edgeLines, expectEdgeUsage } from "./edge-data.js";
import { counter, omFile, series, T0 } from "./om.js";

describe("FileUsageSource", () => {
  it("handles counter resets, NaN/Inf samples, OOM restarts and missing kube-state-metrics", async () => {
    const path = await omFile(edgeLines());
    const usage = await new FileUsageSource({ path }).usage(EDGE_WORKLOADS, EDGE_WINDOW);
    expectEdgeUsage(usage);
  });

  it("leaves out workloads without data, and data outside the window", async () => {
    const pod = 'namespace="shop",pod="cart-6b7f9c8d5-x2k4p",container="app"';
    const path = await omFile(
      series(`container_cpu_usage_seconds_total{${pod}}`, T0 - 7200, 60, counter(6, 60)),
    );
    const source = new FileUsageSource({ path, resolutionSeconds: 60 });
    const usage = await source.usage([{ namespace: "shop", kind: "Deployment", name: "cart" }], EDGE_WINDOW);
    expect(usage.size).toBe(0);
  });

  it("reports the hourly profile of total CPU and pods, and an HPA's bounds", async () => {
    // Two pods of web for two hours; the second pod only in the second hour.
    const pod = (p: string) => `namespace="shop",pod="web-6b7f9c8d5-${p}",container="app"`;
    const lines = [
      ...series(`container_cpu_usage_seconds_total{${pod("aaaaa")}}`, T0, 300, counter(30, 25)),
      ...series(`container_cpu_usage_seconds_total{${pod("bbbbb")}}`, T0 + 3600, 300, counter(60, 13)),
      ...series(
        'kube_horizontalpodautoscaler_info{namespace="shop",horizontalpodautoscaler="web",scaletargetref_kind="Deployment",scaletargetref_name="web"}',
        T0,
        300,
        [1, 1],
      ),
      ...series(
        'kube_horizontalpodautoscaler_spec_min_replicas{namespace="shop",horizontalpodautoscaler="web"}',
        T0,
        300,
        [1, 2],
      ),
      ...series(
        'kube_horizontalpodautoscaler_spec_max_replicas{namespace="shop",horizontalpodautoscaler="web"}',
        T0,
        300,
        [4, 4],
      ),
    ];
    const path = await omFile(lines);
    const usage = await new FileUsageSource({ path }).usage(
      [{ namespace: "shop", kind: "Deployment", name: "web" }],
      { start: T0, end: T0 + 7200 },
    );
    const web = usage.get("shop/Deployment/web");
    expect(web?.stepSeconds).toBe(300);
    expect(web?.hpa).toEqual({ name: "web", minReplicas: 2, maxReplicas: 4 });
    // T0 is Monday 00:00 UTC: hour of week 24. Pod b's first rate is one step after its first
    // sample, so it counts at 11 of the second hour's 12 points; the window's last point opens hour 26.
    expect(web?.profile.replicas.slice(24, 28)).toEqual([1, 23 / 12, 2, null]);
    expect(web?.profile.cpu[24]).toBeCloseTo(100, 6);
    expect(web?.profile.cpu[25]).toBeCloseTo((12 * 100 + 11 * 200) / 12, 6);
    expect(web?.containers[0]?.cpu.max).toBeCloseTo(200, 6);
  });

  it("rejects samples out of time order, naming the line", async () => {
    const pod = 'namespace="shop",pod="cart-6b7f9c8d5-x2k4p",container="app"';
    const path = await omFile([
      `container_cpu_usage_seconds_total{${pod}} 1 ${T0 + 60}`,
      `container_cpu_usage_seconds_total{${pod}} 2 ${T0}`,
    ]);
    const source = new FileUsageSource({ path, resolutionSeconds: 60 });
    const err = await source
      .usage([{ namespace: "shop", kind: "Deployment", name: "cart" }], EDGE_WINDOW)
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenMetricsError);
    expect(err.message).toMatch(/data\.om:2: sample at \d+ is not after the previous one/);
  });

  it("says when it cannot tell the data's resolution", async () => {
    const path = await omFile([
      `container_memory_working_set_bytes{namespace="a",pod="p",container="c"} 1 ${T0}`,
    ]);
    await expect(new FileUsageSource({ path }).usage([], EDGE_WINDOW)).rejects.toThrow(
      /cannot tell the data's resolution/,
    );
  });
});

import { describe, expect, it } from "vitest";
import { FileUsageSource, openUsageSource, PrometheusUsageSource } from "../../src/metrics/index.js";

describe("openUsageSource", () => {
  it("takes an http(s) URL for Prometheus and anything else for a file", () => {
    const prom = openUsageSource("https://prometheus.monitoring:9090", { bearerToken: "t" });
    expect(prom).toBeInstanceOf(PrometheusUsageSource);
    expect(prom.description).toBe("prometheus https://prometheus.monitoring:9090");
    const file = openUsageSource("./metrics/demo.om");
    expect(file).toBeInstanceOf(FileUsageSource);
    expect(file.description).toBe("file ./metrics/demo.om");
  });

  it("refuses an empty target", () => {
    expect(() => openUsageSource(" ")).toThrow(/pass a Prometheus URL or an OpenMetrics file/);
  });
});

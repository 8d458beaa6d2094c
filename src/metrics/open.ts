// `--metrics <url|file>`: an http(s) URL is a Prometheus server, anything else an OpenMetrics file.

import { FileUsageSource } from "./file-source.js";
import { type PrometheusSourceOptions, PrometheusUsageSource } from "./prometheus-source.js";
import type { UsageSource } from "./types.js";

export function openUsageSource(
  target: string,
  prometheus: Omit<PrometheusSourceOptions, "url"> = {},
): UsageSource {
  if (/^https?:\/\//i.test(target)) return new PrometheusUsageSource({ ...prometheus, url: target });
  if (target.trim() === "")
    throw new Error("no metrics source given: pass a Prometheus URL or an OpenMetrics file");
  return new FileUsageSource({ path: target, resolutionSeconds: prometheus.resolutionSeconds });
}

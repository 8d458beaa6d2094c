// Usage data for service-level tests: the generator's model of shop/web (3 replicas of one
// container "app", steady at about 180m CPU and 300Mi memory, far below its 500m / 512Mi
// requests) over the 7 days and an hour before a fixed instant, backfilled into a real Prometheus. With the
// policy's usual gates (minConfidence 0.7, maxRiskLevel MEDIUM, maxChangePercent 50) a CPU
// recommendation passes: requests 500m -> 250m, limit 1 -> 500m.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type WorkloadSpec, writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { FIXED_INSTANT } from "./clock.js";
import { type RunningPrometheus, startPrometheus } from "./prometheus.js";

const Mi = 2 ** 20;

export const WEB_USAGE: WorkloadSpec = {
  namespace: "shop",
  kind: "Deployment",
  name: "web",
  replicas: 3,
  shape: "steady",
  containers: [{ name: "app", cpuMillicores: 180, memoryBytes: 300 * Mi }],
};

/**
 * A Prometheus holding shop/web's usage up to `now`: the fixed instant the service's clock starts
 * at (RunningCostopt), so what the service computes does not depend on when the test runs.
 */
export async function startUsagePrometheus(now = FIXED_INSTANT): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "costopt-usage-"));
  try {
    const end = Math.floor(now / 1000);
    const start = end - 7 * 86_400 - 3600;
    const file = join(dir, "usage.om");
    await writeOpenMetricsFile(file, {
      workloads: [WEB_USAGE],
      start,
      durationSeconds: end - start,
      resolutionSeconds: 300,
      seed: 7,
    });
    return await startPrometheus({ files: [file] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

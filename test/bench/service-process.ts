// The service under benchmark, in its own process so its RSS is its own: `costopt serve`'s
// Service against the Kubernetes test double whose URL the parent passes in KUBE_URL. The
// reconciler is synthetic (a realistic status, no Prometheus or GitHub I/O), so the figures
// are the control loop's, the informer's and the HTTP servers' own cost.
// Prints one line `READY {"port":..,"admissionPort":..}` once serving. service.bench.ts runs
// it compiled (as the image does), so the TypeScript loader's memory is not counted.

import type { CostOptimization } from "../../src/api/types.js";
import { loadConfig } from "../../src/config.js";
import { connect } from "../../src/kube/cluster.js";
import type { PolicyReconciler, ReconcileResult } from "../../src/kube/reconciler.js";
import { Service } from "../../src/server/service.js";
import { silentLogger } from "../../src/telemetry/logger.js";

class SyntheticReconciler implements PolicyReconciler {
  async reconcile(p: CostOptimization): Promise<ReconcileResult> {
    return {
      status: {
        phase: "Ready",
        message: "dry run: recommendation ready",
        lastAnalysis: new Date().toISOString(),
        currentRecommendation: {
          optimizationType: p.spec.optimizationType,
          currentCost: 41.2,
          optimizedCost: 22.9,
          monthlySavings: 18.3,
          confidenceScore: 0.91,
          riskLevel: "LOW",
          changes: [
            { container: "server", resource: "cpuRequest", current: "500m", proposed: "250m" },
            { container: "server", resource: "memoryRequest", current: "512Mi", proposed: "320Mi" },
          ],
        },
        appliedOptimizations: 0,
        totalSavings: 0,
      },
    };
  }
  async finalize() {
    return {};
  }
  async rollback(p: CostOptimization): Promise<ReconcileResult> {
    return { status: { ...(p.status as NonNullable<CostOptimization["status"]>), phase: "RolledBack" } };
  }
}

const env = process.env;
const config = {
  ...loadConfig({
    POD_NAME: "bench",
    TLS_CERT_FILE: env.TLS_CERT_FILE,
    TLS_KEY_FILE: env.TLS_KEY_FILE,
    MAX_CONCURRENT_RECONCILES: "8",
  }),
  port: 0,
  admissionPort: 0,
};
const service = new Service({
  config,
  // @kubernetes/client-node, as `costopt serve` loads it.
  kube: connect({ env: { KUBE_API_URL: env.KUBE_URL } }),
  reconciler: new SyntheticReconciler(),
  log: silentLogger,
});
const ports = await service.start();
while (!service.isLeader) await new Promise((r) => setTimeout(r, 50));
process.stdout.write(`READY ${JSON.stringify(ports)}\n`);
process.on("SIGTERM", () => {
  service.stop().then(() => process.exit(0));
});

// The service under benchmark, in its own process so its RSS is its own: `costopt serve`'s
// Service against the Kubernetes test double whose URL the parent passes in KUBE_URL. The
// reconciler is synthetic (a realistic status, no Prometheus or GitHub I/O), so the figures
// are the control loop's, the informer's and the HTTP servers' own cost.
// Prints one line `READY {"port":..,"admissionPort":..}` once serving. service.bench.ts runs
// it compiled (as the image does), so the TypeScript loader's memory is not counted.

import { loadConfig } from "../../src/config.js";
import type { PassReport } from "../../src/gitops/lifecycle.js";
import { connect } from "../../src/kube/cluster.js";
import type { PolicyReconciler } from "../../src/kube/reconciler.js";
import { Service } from "../../src/server/service.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { recommendation } from "../gitops/recommendation.js";

class SyntheticReconciler implements PolicyReconciler {
  async reconcile() {
    const result: PassReport = {
      message: "dry run: recommendation ready",
      recommendation: recommendation(),
      proposal: { action: "dry-run" },
      warnings: [],
    };
    return { type: "pass" as const, result };
  }
  async finalize(): Promise<PassReport> {
    return { message: "closed", warnings: [] };
  }
  async rollback(): Promise<PassReport> {
    return { message: "revert opened", warnings: [] };
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

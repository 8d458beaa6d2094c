// The shop/web Deployment and its CPU policy that the `costopt run` tests (local repository and
// --github) propose against, and the week of usage they are evaluated at.

import { deploymentYaml } from "../support/workloads.js";

export const START = Date.UTC(2026, 0, 5) / 1000;
export const WEEK = 7 * 86400;
export const NOW = new Date((START + WEEK) * 1000).toISOString();

export const DEPLOYMENT = deploymentYaml({
  replicas: 3,
  labels: true,
  flow: ["matchLabels"],
  image: "example/web:1.2.3",
  requests: { cpu: '"2"        # generous on purpose', memory: "2Gi" },
  limits: { memory: "2Gi" },
});

export const POLICY = `apiVersion: costopt.dev/v1
kind: CostOptimization
metadata:
  name: web-cost
  namespace: shop
spec:
  targetWorkload: { kind: Deployment, name: web }
  optimizationType: CPU
  minConfidence: 0.5
  maxRiskLevel: HIGH
  maxChangePercent: 80
  metricsWindow: 7d
  dryRun: false
`;

/**
 * An OpenMetrics file with a week of steady usage for shop Deployments `names` (each using
 * `cpuMillicores` of its 2 CPUs), at START..START+WEEK.
 */
export async function writeWebMetrics(
  path: string,
  names: string[],
  cpuMillicores: number,
  seed = 7,
): Promise<string> {
  const { writeOpenMetricsFile } = await import("../../src/metrics/generator.js");
  await writeOpenMetricsFile(path, {
    workloads: names.map((name) => ({
      namespace: "shop",
      kind: "Deployment" as const,
      name,
      replicas: 3,
      shape: "steady" as const,
      containers: [{ name: "app", cpuMillicores, memoryBytes: 600 * 2 ** 20 }],
    })),
    start: START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed,
  });
  return path;
}

/** POLICY renamed and pointed at another shop Deployment. */
export const policyFor = (workload: string, name = `${workload}-cost`) =>
  POLICY.replace("name: web-cost", `name: ${name}`).replace("name: web }", `name: ${workload} }`);

/** DEPLOYMENT renamed. */
export const deploymentNamed = (name: string) =>
  DEPLOYMENT.replace("name: web\n", `name: ${name}\n`).replace(/app: web/g, `app: ${name}`);

/** A week of steady usage for shop/web's one container (app). */
export const writeWebUsage = (path: string, cpuMillicores: number, seed: number) =>
  writeWebMetrics(path, ["web"], cpuMillicores, seed);

// The shop/web Deployment and its CPU policy that the `costopt run` tests (local repository and
// --github) propose against, and the week of usage they are evaluated at.

export const START = Date.UTC(2026, 0, 5) / 1000;
export const WEEK = 7 * 86400;
export const NOW = new Date((START + WEEK) * 1000).toISOString();

export const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: example/web:1.2.3
          resources:
            requests:
              cpu: "2"        # generous on purpose
              memory: 2Gi
            limits:
              memory: 2Gi
`;

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

/** A week of steady usage for shop/web's one container (app), ending at NOW. */
export async function writeWebUsage(path: string, cpuMillicores: number, seed: number): Promise<string> {
  const { writeOpenMetricsFile } = await import("../../src/metrics/generator.js");
  await writeOpenMetricsFile(path, {
    workloads: [
      {
        namespace: "shop",
        kind: "Deployment",
        name: "web",
        replicas: 3,
        shape: "steady",
        containers: [{ name: "app", cpuMillicores, memoryBytes: 600 * 2 ** 20 }],
      },
    ],
    start: START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed,
  });
  return path;
}

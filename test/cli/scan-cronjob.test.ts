// `costopt scan` on a CronJob, through a kubeconfig against the Kubernetes test double, with
// usage from an OpenMetrics file: the CronJob's pods are found through their Job
// (kube_pod_owner -> Job, kube_job_owner -> CronJob), its job template's containers are
// right-sized (CPU and memory only), and --write-policies writes a policy admission accepts.
// With usage from a real Prometheus (backfilled by promtool), the pod -> Job -> CronJob chain
// is followed through kube_job_owner where the Job's name says nothing about its CronJob.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { checkPolicies, validPolicies } from "../../src/api/load.js";
import { parseCpu, parseMemory } from "../../src/api/quantity.js";
import type { RecommendationEntry } from "../../src/cli/recommend-output.js";
import { startPrometheus } from "../support/prometheus.js";
import { filesUnder, Mi, type ScanCluster, startScanCluster } from "./scan-fixtures.js";

let cluster: ScanCluster;

const cronJob = (name: string, namespace: string) => ({
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name, namespace },
  spec: {
    schedule: "0 2 * * *",
    jobTemplate: {
      spec: {
        template: {
          metadata: { labels: { app: name } },
          spec: {
            restartPolicy: "OnFailure",
            containers: [
              {
                name: "report",
                image: "report:1.0",
                resources: { requests: { cpu: "2", memory: "2Gi" }, limits: { memory: "2Gi" } },
              },
            ],
          },
        },
      },
    },
  },
});

const REPORT_USAGE = {
  namespace: "batch",
  kind: "CronJob" as const,
  name: "report",
  replicas: 2,
  shape: "steady" as const,
  containers: [{ name: "report", cpuMillicores: 300, memoryBytes: 500 * Mi }],
};

beforeAll(async () => {
  cluster = await startScanCluster({
    context: "prod",
    objects: [
      ["batch", "v1", "cronjobs", cronJob("report", "batch")],
      // No usage for this one: it is reported, never guessed.
      ["batch", "v1", "cronjobs", cronJob("cleanup", "batch")],
    ],
    usage: [REPORT_USAGE],
    seed: 7,
  });
});
afterAll(() => cluster.stop());
afterEach(() => vi.restoreAllMocks());

const scan = (...extra: string[]) => cluster.scan(...extra);

describe("costopt scan on CronJobs", () => {
  it("right-sizes a CronJob's job template from its Jobs' pods, without replicas, spot or schedules", async () => {
    const { out, err } = await scan("--format", "json");
    expect(err).toContain("listing cronjobs in all namespaces");
    const entries = (JSON.parse(out) as { items: RecommendationEntry[] }).items;
    const report = entries.find((e) => e.target.name === "report");
    expect(report?.target).toMatchObject({ kind: "CronJob", namespace: "batch" });
    const c = report?.containers.find((x) => x.name === "report");
    expect(c?.current.cpuRequest).toBe("2");
    // 300m used of 2 cores: halved, as far as maxChangePercent (50) lets one step go.
    expect(parseCpu(String(c?.proposed.cpuRequest))).toBe(1000);
    expect(parseMemory(String(c?.proposed.memoryRequest))).toBe(1024 * Mi);
    expect(report?.decision.allowed).toBe(true);
    expect(report?.monthlySavings).toBeGreaterThan(0);
    expect(report?.replicas).toBeNull();
    expect(report?.placement).toBeNull();
    expect(report?.scheduledScaling).toBeNull();
    const cleanup = entries.find((e) => e.target.name === "cleanup");
    expect(cleanup?.notEnoughData).toBe(true);
  });

  it("shows the CronJob in the table", async () => {
    const { out } = await scan();
    const row = out.split("\n").find((l) => l.includes("batch/report (CronJob)")) ?? "";
    expect(row).toContain("2 -> 1");
    expect(row).toContain("2Gi -> 1Gi");
  });

  it("writes a valid dry-run CronJob policy that admission accepts", async () => {
    const out = join(cluster.dir, "policies");
    await scan("--write-policies", out);
    const written = filesUnder(out);
    expect(written).toEqual(["batch/report-cronjob.yaml"]);
    const files = written.map((p) => ({ path: join(out, p), content: readFileSync(join(out, p), "utf8") }));
    const { policies, problems } = validPolicies(checkPolicies(files));
    expect(problems).toEqual([]);
    expect(policies[0]?.spec.targetWorkload).toMatchObject({ kind: "CronJob", name: "report" });
    expect(policies[0]?.spec.dryRun).toBe(true);
  });
});

describe("costopt scan --prometheus on CronJobs", () => {
  it("follows kube_job_owner from a Job to its CronJob where the Job's name does not tell", async () => {
    // The generator names each Job <cronjob>-<minute>. Renamed as a Job created by hand from
    // the CronJob would be (`kubectl create job adhoc-1 --from=cronjob/report`), only
    // kube_job_owner says its pods are report's: by the naming convention they would belong
    // to a CronJob "adhoc", which does not exist.
    const renamed = readFileSync(cluster.metrics, "utf8").replace(/\breport-(\d{8,10})/g, "adhoc-$1");
    expect(renamed).toMatch(
      /kube_job_owner\{[^}]*job_name="adhoc-\d+",owner_kind="CronJob",owner_name="report"/,
    );
    expect(renamed).not.toMatch(/pod="report-/);
    const file = join(cluster.dir, "adhoc-jobs.om");
    writeFileSync(file, renamed);
    const prometheus = await startPrometheus({ files: [file] });
    try {
      const { code, out } = await cluster.scanWith("--prometheus", prometheus.url, "--format", "json");
      expect(code).toBe(0);
      const entries = (JSON.parse(out) as { items: RecommendationEntry[] }).items;
      const report = entries.find((e) => e.target.name === "report");
      expect(report?.notEnoughData).toBe(false);
      const c = report?.containers.find((x) => x.name === "report");
      // The same proposal as from the Jobs named after the CronJob (the file test above).
      expect(parseCpu(String(c?.proposed.cpuRequest))).toBe(1000);
      expect(parseMemory(String(c?.proposed.memoryRequest))).toBe(1024 * Mi);
      expect(entries.find((e) => e.target.name === "cleanup")?.notEnoughData).toBe(true);
    } finally {
      await prometheus.stop();
    }
    // Without the kube_job_owner series nothing ties those pods to report: no data, no guess.
    const orphaned = join(cluster.dir, "adhoc-jobs-no-owner.om");
    writeFileSync(orphaned, renamed.replace(/^kube_job_owner\{.*\n/gm, ""));
    const { out } = await cluster.scanWith("--metrics", orphaned, "--format", "json");
    const entries = (JSON.parse(out) as { items: RecommendationEntry[] }).items;
    expect(entries.find((e) => e.target.name === "report")?.notEnoughData).toBe(true);
  });
});

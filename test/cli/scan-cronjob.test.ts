// `costopt scan` on a CronJob, through a kubeconfig against the Kubernetes test double, with
// usage from an OpenMetrics file: the CronJob's pods are found through their Job
// (kube_pod_owner -> Job, kube_job_owner -> CronJob), its job template's containers are
// right-sized (CPU and memory only), and --write-policies writes a policy admission accepts.

import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { checkPolicies, validPolicies } from "../../src/api/load.js";
import { parseCpu, parseMemory } from "../../src/api/quantity.js";
import type { RecommendationEntry } from "../../src/cli/recommend-output.js";
import { writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { mainCaptured } from "../support/in-process-cli.js";
import { FakeKubeApi } from "../support/kube-api.js";

const Mi = 2 ** 20;
const START = Date.UTC(2026, 0, 5) / 1000;
const WEEK = 7 * 86400;
const NOW = new Date((START + WEEK) * 1000).toISOString();

let api: FakeKubeApi;
let dir: string;
let kubeconfig: string;
let metrics: string;

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

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costopt-scan-cron-"));
  api = new FakeKubeApi(undefined, { auth: { tokens: ["alice"] } });
  await api.start();
  api.put("batch", "v1", "cronjobs", cronJob("report", "batch"));
  // No usage for this one: it is reported, never guessed.
  api.put("batch", "v1", "cronjobs", cronJob("cleanup", "batch"));
  kubeconfig = api.kubeconfig({ token: "alice", context: "prod" });
  metrics = join(dir, "usage.om");
  await writeOpenMetricsFile(metrics, {
    workloads: [
      {
        namespace: "batch",
        kind: "CronJob",
        name: "report",
        replicas: 2,
        shape: "steady",
        containers: [{ name: "report", cpuMillicores: 300, memoryBytes: 500 * Mi }],
      },
    ],
    start: START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed: 7,
  });
});
afterAll(() => api.stop());
afterEach(() => vi.restoreAllMocks());

function scan(...extra: string[]) {
  return mainCaptured(["scan", "--kubeconfig", kubeconfig, "--metrics", metrics, "--now", NOW, ...extra]);
}

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
    const out = join(dir, "policies");
    await scan("--write-policies", out);
    const written = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
    expect(written.map((p) => p.slice(out.length + 1))).toEqual(["batch/report-cronjob.yaml"]);
    const files = written.map((path) => ({ path, content: readFileSync(path, "utf8") }));
    const { policies, problems } = validPolicies(checkPolicies(files));
    expect(problems).toEqual([]);
    expect(policies[0]?.spec.targetWorkload).toMatchObject({ kind: "CronJob", name: "report" });
    expect(policies[0]?.spec.dryRun).toBe(true);
  });
});

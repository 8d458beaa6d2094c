// The set-up every `costopt scan` test shares: a Kubernetes test double holding the given live
// objects and reached through a kubeconfig file with a bearer token, as a user's cluster is; a
// week of usage for some of them as an OpenMetrics file (the generator's model); and the
// scan command run in-process against both.

import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type WorkloadSpec, writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { mainCaptured } from "../support/in-process-cli.js";
import { FakeKubeApi } from "../support/kube-api.js";

export const Mi = 2 ** 20;
export const START = Date.UTC(2026, 0, 5) / 1000;
export const WEEK = 7 * 86400;
export const NOW = new Date((START + WEEK) * 1000).toISOString();

/** group, version, plural and the object, as FakeKubeApi.put takes them. */
export type LiveObject = [string, string, string, Record<string, unknown>];

export interface ScanCluster {
  api: FakeKubeApi;
  /** A scratch directory for this file's tests (usage file, written policies). */
  dir: string;
  kubeconfig: string;
  /** The OpenMetrics file holding the usage. */
  metrics: string;
  /** `costopt scan --kubeconfig ... --metrics ... --now NOW` plus the given arguments. */
  scan(...extra: string[]): Promise<{ code: number; out: string; err: string }>;
  /** The same without --metrics: the arguments say where usage comes from. */
  scanWith(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  stop(): Promise<void>;
}

export async function startScanCluster(o: {
  objects: LiveObject[];
  usage: WorkloadSpec[];
  seed: number;
  /** The kubeconfig's current context. */
  context: string;
}): Promise<ScanCluster> {
  const dir = mkdtempSync(join(tmpdir(), "costopt-scan-"));
  const api = new FakeKubeApi(undefined, { auth: { tokens: ["alice"] } });
  await api.start();
  for (const [group, version, plural, object] of o.objects) api.put(group, version, plural, object);
  const kubeconfig = api.kubeconfig({ token: "alice", context: o.context });
  const metrics = join(dir, "usage.om");
  await writeOpenMetricsFile(metrics, {
    workloads: o.usage,
    start: START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed: o.seed,
  });
  const scanWith = (...args: string[]) =>
    mainCaptured(["scan", "--kubeconfig", kubeconfig, "--now", NOW, ...args]);
  return {
    api,
    dir,
    kubeconfig,
    metrics,
    scan: (...extra) => scanWith("--metrics", metrics, ...extra),
    scanWith,
    stop: () => api.stop(),
  };
}

/** The files under dir, relative to it, sorted. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

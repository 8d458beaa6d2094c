// The README's recipe for the OpenMetrics file costopt reads, verified against the real
// Prometheus installed here (the Debian package, 2.42): a Prometheus holding a week of usage
// (backfilled with promtool), its TSDB dumped with `promtool tsdb dump` while it runs, turned into
// OpenMetrics by the README's sed line, gives `costopt recommend` the same recommendation as the
// original file. Prometheus 2.42's promtool has no `tsdb dump-openmetrics` (added later), and the
// /federate endpoint returns only the latest sample of each series, so neither is the recipe.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEPLOYMENT, NOW, POLICY, writeWebUsage } from "../cli/run-fixtures.js";
import { makeRepo } from "../forge/local-repo.js";
import { mainCaptured } from "../support/in-process-cli.js";
import { type RunningPrometheus, startPrometheus } from "../support/prometheus.js";

const readme = readFileSync("README.md", "utf8");
let prometheus: RunningPrometheus;
let work: string;
let original: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "costopt-export-"));
  original = await writeWebUsage(join(work, "original.om"), 300, 21);
  prometheus = await startPrometheus({ files: [original] });
}, 120_000);
afterAll(() => prometheus?.stop());
afterEach(() => vi.restoreAllMocks());

describe("exporting usage from a real Prometheus", () => {
  it("the README's promtool recipe gives a file costopt reads to the same recommendation", async () => {
    const recipe = /```sh\n(promtool tsdb dump [\s\S]*?)```/.exec(readme)?.[1];
    expect(recipe, "README.md has the promtool export recipe in a sh block").toBeDefined();
    // Run as written, with the data folder of this Prometheus in place of the README's.
    const script = (recipe ?? "").replaceAll(
      "/var/lib/prometheus/metrics2",
      join(prometheus.dataDir, "tsdb"),
    );
    execFileSync("bash", ["-euo", "pipefail", "-c", script], { cwd: work, encoding: "utf8" });
    const exported = readFileSync(join(work, "usage.om"), "utf8");
    expect(exported.endsWith("\n# EOF\n")).toBe(true);
    expect(exported).toMatch(
      /^container_cpu_usage_seconds_total\{container="app", .*\} [\d.e+-]+ \d+\.\d{3}$/m,
    );

    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    writeFileSync(join(work, "policy.yaml"), POLICY);
    const recommend = async (metrics: string) => {
      const r = await mainCaptured([
        "recommend",
        "-f",
        join(work, "policy.yaml"),
        "--repo",
        repo,
        "--metrics",
        metrics,
        "--now",
        NOW,
        "-o",
        "json",
      ]);
      expect(r.code).toBe(0);
      return (
        JSON.parse(r.out) as {
          items: { containers: { proposed: unknown; evidence: { samples: number } }[] }[];
        }
      ).items[0];
    };
    const fromFile = await recommend(original);
    const fromPrometheus = await recommend(join(work, "usage.om"));
    expect(fromFile?.containers[0]?.evidence.samples).toBeGreaterThan(1000);
    expect(fromPrometheus?.containers).toEqual(fromFile?.containers);
  }, 120_000);
});

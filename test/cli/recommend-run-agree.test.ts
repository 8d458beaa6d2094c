// `recommend` (what would be proposed) and `run` (proposing it) read the same policies and the
// same manifests the same way: what one refuses or holds back, the other does too.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalForge } from "../../src/forge/local/index.js";
import { makeRepo } from "../forge/local-repo.js";
import { costopt } from "./cli-output.js";
import { DEPLOYMENT, NOW, POLICY, writeWebMetrics } from "./run-fixtures.js";

/** Every gate check in recommend's JSON, wherever the entries sit (the contract only adds fields). */
function gateChecks(json: unknown): unknown[] {
  if (Array.isArray(json)) return json.flatMap(gateChecks);
  if (json === null || typeof json !== "object") return [];
  const o = json as Record<string, unknown>;
  const decision = o.decision as { checks?: unknown[] } | undefined;
  return decision?.checks ?? Object.values(o).flatMap(gateChecks);
}

async function setup(deployment: string, policies = POLICY) {
  const repo = makeRepo({ "k8s/web.yaml": deployment });
  const work = mkdtempSync(join(tmpdir(), "costopt-agree-"));
  writeFileSync(join(work, "policy.yaml"), policies);
  const metrics = await writeWebMetrics(join(work, "m.om"), ["web"], 300);
  const common = [
    "--policies",
    join(work, "policy.yaml"),
    "--repo",
    repo,
    "--metrics",
    metrics,
    "--now",
    NOW,
  ];
  return {
    repo,
    work,
    recommend: (...more: string[]) => costopt("recommend", ...common, ...more),
    run: (...more: string[]) => costopt("run", ...common, ...more),
    pulls: () => new LocalForge({ dir: repo }).allPullRequests(),
  };
}

describe("recommend and run agree", () => {
  it("hold back a workload labelled app.kubernetes.io/component=controller, as the README promises", async () => {
    const labelled = DEPLOYMENT.replace(
      "  namespace: shop\n",
      "  namespace: shop\n  labels:\n    app.kubernetes.io/component: controller\n",
    );
    const s = await setup(labelled);
    const rec = await s.recommend("--format", "json");
    expect(gateChecks(JSON.parse(rec.stdout))).toContainEqual({
      gate: "protection",
      passed: false,
      detail: "protected: label app.kubernetes.io/component=controller",
    });
    const run = await s.run();
    expect(run.stdout).toContain("protected: label app.kubernetes.io/component=controller");
    expect(await s.pulls()).toEqual([]);
  });
});

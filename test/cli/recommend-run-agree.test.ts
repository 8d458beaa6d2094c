// `recommend` (what would be proposed) and `run` (proposing it) read the same policies and the
// same manifests the same way: what one refuses or holds back, the other does too.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalForge } from "../../src/forge/local/index.js";
import { commitFiles, makeRepo, sh } from "../forge/local-repo.js";
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

  it("refuse a current value that is not a quantity (cpu: abc), naming file, document and field", async () => {
    const s = await setup(DEPLOYMENT.replace('cpu: "2"        # generous on purpose', "cpu: abc"));
    const reason =
      'k8s/web.yaml, document 1, field /spec/template/spec/containers/0/resources/requests/cpu: invalid CPU quantity: invalid quantity "abc"';
    const rec = await s.recommend();
    expect(rec.code).toBe(1);
    expect(rec.stderr).toContain(`shop/web-cost: ${reason}`);
    const run = await s.run();
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`=== shop/web-cost: Failed — ${reason}`);
    expect(await s.pulls()).toEqual([]);
  });

  it("name both policies that target one workload, and open one pull request for it, not two", async () => {
    const second = POLICY.replace("name: web-cost", "name: web-cost-2");
    const s = await setup(DEPLOYMENT, `${POLICY}---\n${second}`);
    const policyFile = join(s.work, "policy.yaml");
    const expected = `${policyFile}:21: warning: spec.targetWorkload: Deployment shop/web is also targeted by shop/web-cost (${policyFile}:1)`;
    const validate = await costopt("validate", "-f", policyFile);
    expect(validate.stderr).toContain(expected);
    const run = await s.run();
    expect(run.stderr).toContain(expected);
    expect(run.stdout).toContain(
      "problem: shop/web-cost-2: not run: Deployment shop/web is also targeted by shop/web-cost, which proposes for it (keep one policy per workload)",
    );
    expect(run.code).toBe(1);
    expect((await s.pulls()).map((p) => p.branch)).toEqual(["costopt/shop/web-cost"]);
    const rec = await s.recommend();
    expect(rec.stderr).toContain(expected);
  });

  it("print the warnings validate gives (a misspelt dryrun) in run and recommend too", async () => {
    const s = await setup(DEPLOYMENT, POLICY.replace("dryRun: false", "dryrun: false"));
    const policyFile = join(s.work, "policy.yaml");
    const warning = `${policyFile}:13: warning: unknown field "spec.dryrun"`;
    expect((await costopt("validate", "-f", policyFile)).stderr).toContain(warning);
    expect((await s.recommend()).stderr).toContain(warning);
    expect((await s.run()).stderr).toContain(warning);
  });

  it("read the same manifests and report the same files left out (binary, not UTF-8, malformed YAML)", async () => {
    const s = await setup(DEPLOYMENT);
    commitFiles(s.repo, { "k8s/broken.yaml": "kind: [unclosed\n" });
    writeFileSync(join(s.repo, "k8s/latin1.yaml"), Buffer.from([0x6b, 0x3a, 0x20, 0xe9, 0x0a]));
    writeFileSync(join(s.repo, "k8s/blob.yaml"), Buffer.from([0x00, 0x01, 0x02]));
    sh(s.repo, "add", "-A");
    sh(s.repo, "commit", "-q", "-m", "odd files");
    const rec = await s.recommend();
    const run = await s.run();
    const reported = (text: string) =>
      text
        .split("\n")
        .map((l) => l.replace(/^warning: /, ""))
        .filter((l) => /^skipped |k8s\/broken\.yaml/.test(l))
        .sort();
    expect(reported(rec.stderr)).toEqual([
      expect.stringMatching(/^k8s\/broken\.yaml/),
      "skipped k8s/blob.yaml: binary",
      "skipped k8s/latin1.yaml: not valid UTF-8",
    ]);
    expect(reported(run.stdout)).toEqual(reported(rec.stderr));
    expect(run.stdout).toContain("=== shop/web-cost: created #1");
  });
});

// serve's local mode loads the repository's policies through the same function as run: the
// same problems (two policies on one workload: only the first proposes) and the same warnings.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runOnce } from "../../src/cli/run.js";
import { loadConfig } from "../../src/config.js";
import { LocalForge } from "../../src/forge/local/index.js";
import { repositoryLoader } from "../../src/server/assemble.js";
import type { GitHubWiring } from "../../src/server/github.js";
import { DEPLOYMENT, NOW, POLICY, writeWebMetrics } from "../cli/run-fixtures.js";
import { makeRepo } from "../forge/local-repo.js";

describe("serve in local mode", () => {
  it("loads policies as run does: the same problems and warnings", async () => {
    const second = POLICY.replace("name: web-cost", "name: web-cost-2").replace(
      "dryRun: false",
      "dryRun: false\n  autoapply: false",
    );
    const policies = `${POLICY}---\n${second}`;
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT, "policies/web.yaml": policies });
    const github = {
      forgeForRepository: async () => new LocalForge({ dir: repo }),
    } as unknown as GitHubWiring;
    const config = loadConfig({
      POLICY_SOURCE: "repository",
      DEFAULT_REPOSITORY: "shop/gitops",
      POLICIES_PATH: "policies",
    });
    const served = await repositoryLoader(github, config)();

    const work = mkdtempSync(join(tmpdir(), "costopt-loader-"));
    writeFileSync(join(work, "web.yaml"), policies);
    const metrics = await writeWebMetrics(join(work, "m.om"), ["web"], 300);
    const run = await runOnce({ repo, policies: join(work, "web.yaml"), metrics, now: NOW });

    expect(served.policies.map((p) => p.metadata.name)).toEqual(["web-cost"]);
    expect(served.problems).toEqual(run.problems);
    expect(served.problems).toEqual([
      "shop/web-cost-2: not run: Deployment shop/web is also targeted by shop/web-cost, which proposes for it (keep one policy per workload)",
    ]);
    // The same lines, each naming its file as that command read it.
    const file = join(work, "web.yaml");
    expect(served.warnings?.map((w) => w.replaceAll("policies/web.yaml", file))).toEqual(run.policyWarnings);
    expect(served.warnings?.[0]).toBe('policies/web.yaml:28: warning: unknown field "spec.autoapply"');
  });
});

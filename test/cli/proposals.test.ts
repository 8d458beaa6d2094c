import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { makeRepo } from "../forge/local-repo.js";
import { mainCaptured } from "../support/in-process-cli.js";
import { DEPLOYMENT, NOW, POLICY, writeWebUsage } from "./run-fixtures.js";

afterEach(() => vi.restoreAllMocks());

describe("costopt proposals", () => {
  it("lists the pull requests costopt run opened in a local repository, as a table and as JSON", async () => {
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const work = mkdtempSync(join(tmpdir(), "costopt-proposals-"));
    writeFileSync(join(work, "policy.yaml"), POLICY);
    const metrics = join(work, "usage.om");
    await writeWebUsage(metrics, 300, 9);
    expect((await mainCaptured(["proposals", "--repo", repo])).out).toBe(`no proposals in ${repo}\n`);
    const run = await mainCaptured([
      "run",
      "--repo",
      repo,
      "-f",
      join(work, "policy.yaml"),
      "--metrics",
      metrics,
      "--now",
      NOW,
    ]);
    expect(run.out).toContain("=== shop/web-cost: created #1");

    const table = await mainCaptured(["proposals", "--repo", repo]);
    expect(table.out).toMatch(
      /│ 1 │ open +│ costopt\/shop\/web-cost │ costopt: web right-size CPU \(saves \$[\d.]+\/mo\) │/,
    );
    const json = JSON.parse((await mainCaptured(["proposals", "--repo", repo, "-o", "json"])).out) as {
      kind: string;
      items: { number: number; state: string; branch: string; labels: string[] }[];
    };
    expect(json.kind).toBe("ProposalList");
    expect(json.items).toEqual([
      expect.objectContaining({
        number: 1,
        state: "open",
        branch: "costopt/shop/web-cost",
        labels: expect.arrayContaining(["cost-optimization"]),
      }),
    ]);
    expect((await mainCaptured(["proposals", "--repo", repo, "--state", "merged"])).out).toBe(
      `no merged proposals in ${repo}\n`,
    );
  });
});

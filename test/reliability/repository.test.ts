// A repository with a file that is not valid YAML and a 10 MB file next to the workload's
// manifest: both are left out (the big one is never even downloaded), the valid workload still
// gets its pull request touching only its own file, and a policy whose workload lives in the
// broken file is told which file was skipped. Both skipped files are reported on every pass
// (a Warning Event, `kubectl describe`), even for a policy whose workload was found.

import { describe, expect, it, vi } from "vitest";
import { BASE_SHA } from "../app/github.js";
import { WEB } from "../app/shop.js";
import { expectHead, expectInstallation, policySpec } from "../support/costopt-service.js";
import { environment } from "./environment.js";

const env = environment();
// GitHub's pacing is not the subject here (see github.test.ts and the e2e test for it).
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).fastGitHub(await original()),
);
// Not deploymentYaml: malformed on purpose (an unclosed flow mapping).
const BROKEN = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 2
  template: {
    spec: containers: [
`;
const TEN_MB = 10 * 1024 * 1024;

describe("a repository with malformed YAML and a 10 MB file", () => {
  it("skips both, says so, and still proposes for the valid workload", async () => {
    const { gh, costopt } = env;
    const branch = costopt.branch();
    const files = [
      { path: "k8s/api.yaml", sha: "blob-api", content: BROKEN },
      { path: "k8s/huge.yaml", sha: "blob-huge", size: TEN_MB },
      { path: "k8s/web.yaml", sha: "blob-web", content: WEB },
    ];
    const downloaded: string[] = [];
    expectInstallation(gh);
    expectHead(gh);
    gh.listing(
      files.map((f) => ({
        path: f.path,
        type: "blob",
        mode: "100644",
        sha: f.sha,
        size: f.size ?? f.content?.length,
      })),
    );
    gh.scope
      .post("/graphql", (b) => {
        if (!String(b.query).includes("object(oid:")) return false;
        downloaded.push(
          ...Object.entries(b.variables ?? {})
            .filter(([k]) => /^o\d+$/.test(k))
            .map(([, v]) => String(v)),
        );
        return true;
      })
      .reply(200, {
        data: {
          repository: {
            b0: { text: BROKEN, isBinary: false, isTruncated: false },
            b1: { text: WEB, isBinary: false, isTruncated: false },
          },
        },
      });
    gh.pulls(branch, []).commit("c".repeat(40)).createRef().openPull(1, branch).issueUpdate(1);
    costopt.createPolicy(policySpec());

    const applying = await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
    expect(applying.pullRequest).toMatchObject({ number: 1, branch });
    expect(downloaded).toEqual(["blob-api", "blob-web"]);
    expect(Object.keys(gh.treeFiles())).toEqual(["k8s/web.yaml"]);
    expect(gh.bodies("commit")[0]?.parents).toEqual([BASE_SHA]);
    await costopt.service.idle();
    const warnings = costopt.api
      .list("", "v1", "events")
      .map((e) => e as unknown as { reason: string; type: string; message: string })
      .filter((e) => e.reason === "ReconcileWarning");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.type).toBe("Warning");
    expect(warnings[0]?.message).toContain("skipped k8s/huge.yaml: too large");
    expect(warnings[0]?.message).toMatch(/k8s\/api\.yaml: document 1 \(line \d+, column \d+\): .*; skipped/);

    // A policy for the Deployment in the broken file: refused, naming the skipped file.
    expectHead(gh);
    costopt.createPolicy(
      policySpec({ targetWorkload: { name: "api", kind: "Deployment", namespace: "shop" } }),
      "api-cost",
    );
    const failed = await costopt.waitForStatus("Failed", (s) => s.phase === "Failed", "api-cost");
    expect(failed.message).toBe(
      "Deployment shop/api was not found in the repository (format auto); 1 file(s) were skipped (k8s/api.yaml)",
    );
    expect(gh.bodies("createPull")).toHaveLength(1);
  });
});

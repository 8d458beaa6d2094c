// A manifest that is not valid UTF-8 (a Latin-1 "é" in a comment, say) is skipped and reported by
// both forges: decoding it would turn the byte into U+FFFD, and any edit would commit that.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { GitHubForge } from "../../src/forge/github/index.js";
import { LocalForge } from "../../src/forge/local/index.js";
import { reconcile } from "../../src/reconcile.js";
import { MemoryStore } from "../../src/state/memory.js";
import { WEB } from "../app/shop.js";
import { recommendation, SPEC } from "../gitops/recommendation.js";
import { answerGraphql, graphIssues, graphPage, graphTree } from "../support/github-graph.js";
import type { TreeEntry } from "../support/github-shapes.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { makeRepo, sh } from "./local-repo.js";
import { testOctokit } from "./octokit.js";

const LATIN1 = Buffer.concat([
  Buffer.from(WEB.replace("# shop frontend", "# shop frontend, caf")),
  Buffer.from([0xe9, 0x0a]),
]);

afterEach(() => {
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("files that are not valid UTF-8", () => {
  it("are skipped by the local forge, named in the warnings, and never rewritten", async () => {
    const dir = makeRepo({ "README.md": "shop\n" });
    writeFileSync(join(dir, "web.yaml"), LATIN1);
    execFileSync("git", ["add", "web.yaml"], { cwd: dir });
    sh(dir, "commit", "-q", "-m", "latin-1 comment");
    const forge = new LocalForge({ dir });
    const snapshot = await forge.snapshot();
    expect(snapshot.skipped).toEqual([{ path: "web.yaml", reason: "not valid UTF-8" }]);
    const result = await reconcile(
      {
        apiVersion: "costopt.dev/v1",
        kind: "CostOptimization",
        metadata: { name: "web-cost", namespace: "shop" },
        spec: SPEC,
      },
      {
        forge,
        store: new MemoryStore(),
        usage: { description: "test", usage: async () => new Map() },
        recommender: { name: "stub", recommend: async () => recommendation() },
        metadataKey: TEST_KEY,
        now: () => new Date("2026-11-26T06:00:00Z"),
      },
    );
    expect(result.failureReason).toBe("WorkloadNotFound");
    expect(result.warnings).toContain("skipped web.yaml: not valid UTF-8");
    expect(sh(dir, "branch", "--list", "costopt/*")).toBe("");
  });

  it("are skipped by the GitHub forge when GitHub's text came back with replacement characters", async () => {
    nock.disableNetConnect();
    const scope = nock("https://api.github.com");
    const [commit, tree] = ["a".repeat(40), "b".repeat(40)];
    const [latin1, ok] = ["1".repeat(40), "2".repeat(40)];
    const okText = "name: caf\u00e9 \uFFFD\n";
    // git's order: ok.yaml before web.yaml.
    const entries: TreeEntry[] = [
      { path: "ok.yaml", type: "blob", sha: ok, size: Buffer.byteLength(okText), mode: "100644" },
      { path: "web.yaml", type: "blob", sha: latin1, size: LATIN1.length, mode: "100644" },
    ];
    let asked: { query?: string; variables?: Record<string, unknown> } = {};
    scope
      .post("/graphql", (b) => {
        asked = b;
        return String(b.query).includes("defaultBranchRef");
      })
      .reply(200, () =>
        answerGraphql(asked, {
          defaultBranchRef: {
            name: "main",
            target: { __typename: "Commit", oid: commit, tree: graphTree(tree, entries) },
          },
          pullRequests: () => graphPage([]),
          issues: (a: Parameters<typeof graphIssues>[1]) => graphIssues([], a),
        }),
      );
    scope
      .post("/graphql", (b) => String(b.query).includes("object(oid:") && b.variables.o0 === ok)
      .reply(200, {
        data: {
          repository: {
            // A file that really holds U+FFFD is read as it is.
            b0: { text: okText, isBinary: false, isTruncated: false },
            // GitHub's text of a blob that is not UTF-8: the byte became U+FFFD.
            b1: { text: LATIN1.toString("utf8"), isBinary: false, isTruncated: false },
          },
        },
      });
    const gh = new GitHubForge({ octokit: testOctokit(), owner: "acme", repo: "deploy" });
    const snapshot = await gh.snapshot();
    expect(snapshot.skipped).toEqual([{ path: "web.yaml", reason: "not valid UTF-8" }]);
    expect(snapshot.files.map((f) => f.path)).toEqual(["ok.yaml"]);
    expect(scope.pendingMocks()).toEqual([]);
  });
});

import { chmodSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LocalForge } from "../../src/forge/local/index.js";
import { ForgeSafetyError, SYMLINK_REASON } from "../../src/forge/types.js";
import { commitFiles, makeRepo, sh } from "./local-repo.js";

const APP = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # keep me\n";

describe("local forge", () => {
  it("reads YAML files of the default branch, not the working tree", async () => {
    const dir = makeRepo({ "k8s/web.yaml": APP, "README.md": "hi\n", "big.yaml": "x".repeat(2000) });
    const forge = new LocalForge({ dir, maxFileBytes: 1000 });
    const snap = await forge.snapshot();
    expect(snap.branch).toBe("main");
    expect(snap.commitSha).toBe(sh(dir, "rev-parse", "HEAD"));
    expect(snap.files).toEqual([{ path: "k8s/web.yaml", content: APP }]);
    expect(snap.skipped).toEqual([{ path: "big.yaml", reason: "too large" }]);
  });

  it("keeps an executable's mode, skips a symlink when reading and refuses to write over it", async () => {
    const dir = makeRepo({ "k8s/web.yaml": APP, "run.yaml": "a: 1\n" });
    chmodSync(join(dir, "run.yaml"), 0o755);
    symlinkSync("web.yaml", join(dir, "k8s/link.yaml"));
    sh(dir, "add", "-A");
    sh(dir, "commit", "-q", "-m", "modes");
    const forge = new LocalForge({ dir });
    const snap = await forge.snapshot();
    expect(snap.files.map((f) => f.path)).toEqual(["k8s/web.yaml", "run.yaml"]);
    expect(snap.skipped).toEqual([{ path: "k8s/link.yaml", reason: SYMLINK_REASON }]);
    const request = {
      branch: "costopt/shop/web",
      base: { commitSha: snap.commitSha },
      message: "m",
      exists: false,
    };
    await forge.commitBranch({ ...request, files: [{ path: "run.yaml", content: "a: 2\n" }] });
    expect(sh(dir, "ls-tree", "costopt/shop/web", "run.yaml").split(" ")[0]).toBe("100755");
    await expect(
      forge.commitBranch({ ...request, exists: true, files: [{ path: "k8s/link.yaml", content: "x: 1\n" }] }),
    ).rejects.toThrow("refusing to write k8s/link.yaml: it is not a regular file (git mode 120000)");
  });

  it("commits a change as one commit on a costopt branch without touching the working tree", async () => {
    const dir = makeRepo({ "k8s/web.yaml": APP, "k8s/old.yaml": "a: 1\n" });
    const forge = new LocalForge({ dir });
    const snap = await forge.snapshot();
    const sha = await forge.commitBranch({
      branch: "costopt/shop/web",
      base: { commitSha: snap.commitSha },
      message: "costopt: web cpu",
      files: [
        { path: "k8s/web.yaml", content: APP.replace("web", "web2") },
        { path: "k8s/new.yaml", content: "b: 2\n" },
        { path: "k8s/old.yaml", content: null },
      ],
      exists: false,
    });
    expect(sh(dir, "rev-list", "--count", `${snap.commitSha}..costopt/shop/web`)).toBe("1");
    expect(sh(dir, "rev-parse", "costopt/shop/web^")).toBe(snap.commitSha);
    expect(sh(dir, "rev-parse", "costopt/shop/web")).toBe(sha);
    expect(sh(dir, "show", "costopt/shop/web:k8s/new.yaml")).toBe("b: 2");
    expect(sh(dir, "ls-tree", "--name-only", "-r", "costopt/shop/web")).not.toContain("old.yaml");
    expect(sh(dir, "status", "--porcelain")).toBe("");
    expect(readFileSync(join(dir, "k8s/web.yaml"), "utf8")).toBe(APP);
  });

  it("will not take a checked-out proposal branch for the default branch", async () => {
    const dir = makeRepo({ "a.yaml": "a: 1\n" });
    sh(dir, "checkout", "-q", "-b", "costopt/ns/p");
    await expect(new LocalForge({ dir }).snapshot()).rejects.toThrow(
      /check out the default branch, or name it/,
    );
    expect((await new LocalForge({ dir, defaultBranch: "main" }).snapshot()).branch).toBe("main");
  });

  it("refuses to write to the default branch or outside costopt/", async () => {
    const dir = makeRepo({ "a.yaml": "a: 1\n" });
    const forge = new LocalForge({ dir });
    const snap = await forge.snapshot();
    for (const branch of ["main", "feature/x"])
      await expect(
        forge.commitBranch({
          branch,
          base: { commitSha: snap.commitSha },
          message: "m",
          files: [],
          exists: true,
        }),
      ).rejects.toBeInstanceOf(ForgeSafetyError);
    expect(sh(dir, "rev-parse", "main")).toBe(snap.commitSha);
  });

  it("keeps pull requests, sees a person's push, closes and merges", async () => {
    const dir = makeRepo({ "a.yaml": "a: 1\n" });
    const forge = new LocalForge({ dir });
    const snap = await forge.snapshot();
    const branch = "costopt/ns/p";
    const sha = await forge.commitBranch({
      branch,
      base: { commitSha: snap.commitSha },
      message: "m",
      files: [{ path: "a.yaml", content: "a: 2\n" }],
      exists: false,
    });
    const pr = await forge.openPullRequest({ branch, base: "main", title: "t", body: "b", labels: ["x"] });
    expect(pr).toMatchObject({ number: 1, state: "open", headSha: sha, labels: ["x"] });

    sh(dir, "checkout", "-q", branch);
    const human = commitFiles(dir, { "a.yaml": "a: 3\n" }, "mine");
    sh(dir, "checkout", "-q", "main");
    expect((await forge.pullRequests(branch))[0]?.headSha).toBe(human);

    const merged = await forge.merge(1);
    expect(merged.state).toBe("merged");
    expect(readFileSync(join(dir, "a.yaml"), "utf8")).toBe("a: 3\n");
    expect(sh(dir, "rev-parse", "main")).toBe(merged.mergeSha);

    const snap2 = await forge.snapshot();
    await forge.commitBranch({
      branch,
      base: { commitSha: snap2.commitSha },
      message: "m2",
      files: [{ path: "a.yaml", content: "a: 4\n" }],
      exists: false,
    });
    const pr2 = await forge.openPullRequest({ branch, base: "main", title: "t2", body: "b", labels: [] });
    await forge.closePullRequest(pr2.number, { comment: "no longer needed" });
    const all = await forge.pullRequests(branch);
    expect(all.map((p) => [p.number, p.state])).toEqual([
      [2, "closed"],
      [1, "merged"],
    ]);
    expect((await forge.allPullRequests())[1]?.comments.map((c) => c.body)).toEqual(["no longer needed"]);
    expect(sh(dir, "branch", "--list", branch)).toBe("");
  });
});

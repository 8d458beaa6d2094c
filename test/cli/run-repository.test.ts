// What `costopt run` says about the repository it is pointed at: uncommitted edits it does not
// read, and plain sentences (not git's own errors) when there is no repository, no commit or no
// such branch.

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeRepo, sh } from "../forge/local-repo.js";
import { costopt } from "./cli-output.js";
import { DEPLOYMENT, NOW, POLICY, writeWebMetrics } from "./run-fixtures.js";

async function inputs() {
  const work = mkdtempSync(join(tmpdir(), "costopt-repo-msg-"));
  writeFileSync(join(work, "policy.yaml"), POLICY);
  const metrics = await writeWebMetrics(join(work, "m.om"), ["web"], 300);
  return { work, args: ["--policies", join(work, "policy.yaml"), "--metrics", metrics, "--now", NOW] };
}

describe("costopt run and the repository", () => {
  it("warns that uncommitted manifest edits are not read, naming them; recommend reads them", async () => {
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const { args } = await inputs();
    writeFileSync(join(repo, "k8s/web.yaml"), DEPLOYMENT.replace("replicas: 3", "replicas: 4"));
    writeFileSync(join(repo, "k8s/new.yaml"), "kind: ConfigMap\n");
    writeFileSync(join(repo, "notes.txt"), "not a manifest\n");
    const run = await costopt("run", "--repo", repo, ...args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `warning: uncommitted changes are not read: ${join(repo, "k8s/new.yaml")}, ${join(repo, "k8s/web.yaml")} (run proposes against branch main as committed; commit them, or preview them with costopt recommend, which reads the working tree)`,
    );
    expect(run.stdout).not.toContain("notes.txt");
    // The proposal is built on the committed file: 3 replicas, not the uncommitted 4.
    expect(sh(repo, "show", "costopt/shop/web-cost:k8s/web.yaml")).toContain("replicas: 3");
    const rec = await costopt("recommend", "--repo", repo, ...args, "--format", "json");
    expect(rec.stdout).toMatch(/"current": 4/);
  });

  it("says plainly when --repo is missing, not a git repository, has no commits, or lacks --branch", async () => {
    const { work, args } = await inputs();
    const missing = join(work, "nowhere");
    expect((await costopt("run", "--repo", missing, ...args)).stderr).toBe(
      `costopt: --repo ${missing}: no such directory\n`,
    );
    const plain = join(work, "plain");
    mkdirSync(plain);
    expect((await costopt("run", "--repo", plain, ...args)).stderr).toBe(
      `costopt: --repo ${plain}: not a git repository (run git init there, or give the working copy)\n`,
    );
    const empty = join(work, "empty");
    mkdirSync(empty);
    sh(empty, "init", "-q", "-b", "main");
    expect((await costopt("run", "--repo", empty, ...args)).stderr).toBe(
      `costopt: --repo ${empty}: the repository has no commits yet; commit the manifests first\n`,
    );
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const wrong = await costopt("run", "--repo", repo, ...args, "--branch", "mian");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(`costopt: --branch mian: no such branch in ${repo} (branches: main)\n`);
  });
});

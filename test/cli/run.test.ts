import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { formatReport, runOnce } from "../../src/cli/run.js";
import { LocalForge } from "../../src/forge/local/index.js";
import { MetadataKey, parseMetadata } from "../../src/gitops/metadata.js";
import { writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { openUsageSource } from "../../src/metrics/open.js";
import { type UsageSource, workloadKey } from "../../src/metrics/types.js";
import { makeRepo, sh } from "../forge/local-repo.js";
import { NOW, POLICY, START, DEPLOYMENT as WEB, WEEK } from "./run-fixtures.js";

const Mi = 2 ** 20;

const DEPLOYMENT = `# The web frontend. Requests reviewed 2025-11.\n${WEB}`;

async function metrics(dir: string, name: string, cpuMillicores: number | undefined): Promise<string> {
  const path = join(dir, name);
  await writeOpenMetricsFile(path, {
    // Without a CPU figure only another workload reports: web has gone quiet.
    workloads: [
      {
        namespace: "shop",
        kind: "Deployment",
        name: cpuMillicores === undefined ? "other" : "web",
        replicas: 3,
        shape: "steady",
        containers: [{ name: "app", cpuMillicores: cpuMillicores ?? 100, memoryBytes: 600 * Mi }],
      },
    ],
    start: START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed: 7,
  });
  return path;
}

afterEach(() => vi.restoreAllMocks());

describe("costopt run against a local git repository", () => {
  it("opens, then updates, then closes a proposal as the metrics change", async () => {
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT, "README.md": "shop\n" });
    const work = mkdtempSync(join(tmpdir(), "costopt-run-"));
    const policies = join(work, "policy.yaml");
    writeFileSync(policies, POLICY);
    const forge = new LocalForge({ dir: repo });
    const key = new MetadataKey(await forge.metadataSecret());
    const base = sh(repo, "rev-parse", "main");

    // Run 1: the app uses a fraction of its 2 CPUs -> a proposal opens.
    const first = await runOnce({ repo, policies, metrics: await metrics(work, "m1.om", 300), now: NOW });
    expect(first.problems).toEqual([]);
    const r1 = first.results[0];
    expect(r1?.proposal?.action, r1?.message).toBe("created");
    const [pr] = await forge.allPullRequests();
    expect(pr).toMatchObject({ number: 1, state: "open", branch: "costopt/shop/web-cost", base: "main" });
    expect(pr?.title).toMatch(/^costopt: web right-size CPU \(saves \$[\d.,]+\/mo\)$/);
    expect(pr?.labels).toContain("cost-optimization");
    const meta1 = parseMetadata(pr?.body, key);
    expect(meta1?.fields).toEqual([
      expect.objectContaining({
        path: "k8s/web.yaml",
        pointer: "/spec/template/spec/containers/0/resources/requests/cpu",
        before: "2",
      }),
    ]);
    // One commit on the base; only the cpu line changed, comment kept.
    expect(sh(repo, "rev-parse", "costopt/shop/web-cost^")).toBe(base);
    const diff1 = sh(repo, "diff", "main", "costopt/shop/web-cost");
    const changed = diff1.split("\n").filter((l) => /^[-+] /.test(l));
    expect(changed).toEqual([
      '-              cpu: "2"        # generous on purpose',
      expect.stringMatching(/^\+ {14}cpu: "\d+m" +# generous on purpose$/),
    ]);
    // The comment stays in its column.
    expect(changed[1]?.indexOf("#")).toBe(changed[0]?.indexOf("#"));
    const out1 = formatReport(first);
    expect(out1).toContain("=== shop/web-cost: created #1");
    expect(out1).toContain("```diff\n--- a/k8s/web.yaml\n+++ b/k8s/web.yaml");
    expect(out1).toContain("Summary: 1 policy; 1 opened, 0 updated, 0 unchanged, 0 closed, 0 failed");

    // Same metrics again: nothing to do, no duplicate.
    const again = await runOnce({ repo, policies, metrics: join(work, "m1.om"), now: NOW });
    expect(again.results[0]?.proposal?.action).toBe("unchanged");

    // Run 2: usage grew -> the same PR is updated in place with a fresh single commit.
    const second = await runOnce({ repo, policies, metrics: await metrics(work, "m2.om", 900), now: NOW });
    expect(second.results[0]?.proposal?.action, second.results[0]?.message).toBe("updated");
    const pulls = await forge.allPullRequests();
    expect(pulls).toHaveLength(1);
    expect(parseMetadata(pulls[0]?.body, key)?.fingerprint).not.toBe(meta1?.fingerprint);
    expect(sh(repo, "rev-list", "--count", "main..costopt/shop/web-cost")).toBe("1");
    expect(parseMetadata(pulls[0]?.body, key)?.head).toBe(sh(repo, "rev-parse", "costopt/shop/web-cost"));

    // Run 3: the workload stopped reporting -> no recommendation -> the PR is closed with a comment.
    const third = await runOnce({
      repo,
      policies,
      metrics: await metrics(work, "m3.om", undefined),
      now: NOW,
    });
    expect(third.results[0]?.proposal?.action, third.results[0]?.message).toBe("closed");
    const [closed] = await forge.allPullRequests();
    expect(closed?.state).toBe("closed");
    expect(closed?.comments.map((c) => c.body)).toEqual([
      expect.stringMatching(/^costopt is closing this pull request: not enough data/),
    ]);
    expect(sh(repo, "branch", "--list", "costopt/*")).toBe("");
    expect(sh(repo, "rev-parse", "main")).toBe(base);
  });

  it("says only which gate held a proposal back, and the stepping apart from it", async () => {
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const work = mkdtempSync(join(tmpdir(), "costopt-run-"));
    const policies = join(work, "policy.yaml");
    // 2 CPUs for ~300m of use: a cut beyond 50% is stepped, and even that is MEDIUM risk.
    writeFileSync(
      policies,
      POLICY.replace("maxRiskLevel: HIGH", "maxRiskLevel: LOW").replace(
        "maxChangePercent: 80",
        "maxChangePercent: 50",
      ),
    );
    const report = await runOnce({ repo, policies, metrics: await metrics(work, "m.om", 300), now: NOW });
    const result = report.results[0];
    expect(result?.recommendation?.decision.allowed).toBe(false);
    expect(result?.message).toMatch(
      /^the policy's gates hold it back: risk MEDIUM exceeds maxRiskLevel LOW \(judged after stepping — maxChangePercent 50: app CPU request 2 -> \d+m \(-\d+%\) stepped to 1\)$/,
    );
    for (const passed of ["not protected", "at least 1 replica", "proposes a change", "meets minConfidence"])
      expect(result?.message).not.toContain(passed);
    expect(formatReport(report)).toContain(`=== shop/web-cost: none — ${result?.message}`);
  });

  it("reads usage once per distinct window for all policies, not once per policy", async () => {
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const work = mkdtempSync(join(tmpdir(), "costopt-run-"));
    const policies = join(work, "policies.yaml");
    const named = (name: string, window: string) =>
      POLICY.replace("name: web-cost", `name: ${name}`)
        .replace("metricsWindow: 7d", `metricsWindow: ${window}`)
        .replace("dryRun: false", "dryRun: true");
    writeFileSync(
      policies,
      [named("a", "7d"), named("b", "7d"), named("c", "3d"), named("d", "7d")].join("---\n"),
    );
    const file = openUsageSource(await metrics(work, "m.om", 300));
    const reads: { workloads: string[]; seconds: number }[] = [];
    const recording: UsageSource = {
      description: file.description,
      usage: (workloads, window) => {
        reads.push({ workloads: workloads.map(workloadKey), seconds: window.end - window.start });
        return file.usage(workloads, window);
      },
    };
    const report = await runOnce({ repo, policies, metrics: "unused", now: NOW }, { usage: recording });
    expect(report.results.map((r) => r.proposal?.action)).toEqual([
      "dry-run",
      "dry-run",
      "dry-run",
      "dry-run",
    ]);
    expect(reads.map((r) => r.seconds).sort()).toEqual([3 * 86400, 7 * 86400].sort());
    expect(reads.find((r) => r.seconds === WEEK)?.workloads).toHaveLength(3);
  });

  it("is registered as `costopt run`, keeps state in Redis when asked, and prints the report", async () => {
    const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const work = mkdtempSync(join(tmpdir(), "costopt-run-"));
    writeFileSync(join(work, "policy.yaml"), POLICY);
    const m = await metrics(work, "m.om", 300);
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s) => {
      written.push(String(s));
      return true;
    });
    const code = await main([
      "node",
      "costopt",
      "run",
      "--repo",
      repo,
      "--policies",
      join(work, "policy.yaml"),
      "--metrics",
      m,
      "--now",
      NOW,
      "--state",
      "redis://127.0.0.1:6379",
    ]);
    expect(code).toBe(0);
    expect(written.join("")).toContain("=== shop/web-cost: created #1");
    // A missing Redis is an error, not a silent fallback to memory.
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((e) => {
      errors.push(String(e));
    });
    const args = ["--repo", repo, "--policies", join(work, "policy.yaml"), "--metrics", m];
    expect(await main(["node", "costopt", "run", ...args, "--state", "redis://:pw@127.0.0.1:1"])).toBe(2);
    expect(errors).toEqual([
      expect.stringMatching(/^costopt: cannot connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1/),
    ]);
  });
});

// `costopt run --github OWNER/REPO` end to end: the real CLI entry (main), @octokit/rest with its
// retry and throttling plugins, against GitHub simulated at the HTTP level with state. The first
// run opens one pull request with labels and reviewers; the second finds it by its branch and
// metadata and opens nothing new, with no state kept between the runs.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { MetadataKey, parseMetadata } from "../../src/gitops/metadata.js";
import { writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { FIXED_INSTANT } from "../support/clock.js";
import { GitHubServer } from "../support/github-server.js";
import {
  DEPLOYMENT,
  deploymentNamed,
  NOW,
  POLICY,
  policyFor,
  START,
  WEEK,
  writeWebMetrics,
} from "./run-fixtures.js";

const Mi = 2 ** 20;
const BRANCH = "costopt/shop/web-cost";
const SECRET = "metadata-secret-of-acme-deploy";

let github: GitHubServer;
let work: string;
let out: string[];

beforeEach(async () => {
  github = await new GitHubServer({
    owner: "acme",
    repo: "deploy",
    files: {
      // Executable on purpose: the commit must keep the bit.
      "k8s/web.yaml": { content: DEPLOYMENT, mode: "100755" },
      ".github/costopt.yml": "reviewers: [alice]\nlabels: [finops]\n",
      "README.md": "# deploy\n",
    },
  }).start();
  work = mkdtempSync(join(tmpdir(), "costopt-gh-"));
  writeFileSync(join(work, "policy.yaml"), POLICY);
  await writeOpenMetricsFile(join(work, "usage.om"), {
    workloads: [
      {
        namespace: "shop",
        kind: "Deployment",
        name: "web",
        replicas: 3,
        shape: "steady",
        containers: [{ name: "app", cpuMillicores: 300, memoryBytes: 600 * Mi }],
      },
    ],
    start: START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed: 7,
  });
  out = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await github.stop();
});

function run(policies = join(work, "policy.yaml"), metrics = join(work, "usage.om")): Promise<number> {
  vi.stubEnv("GITHUB_TOKEN", "test-token");
  vi.stubEnv("GITHUB_API_URL", github.url);
  vi.stubEnv("COSTOPT_METADATA_SECRET", SECRET);
  const args = ["run", "--github", "acme/deploy", "--policies", policies];
  return main(["node", "costopt", ...args, "--metrics", metrics, "--now", NOW]);
}

describe("costopt run --github", () => {
  it("opens one pull request with labels and reviewers, then nothing new on the next run", async () => {
    expect(await run(), out.join("")).toBe(0);
    expect(out.join("")).toContain("Summary: 1 policy; 1 opened, 0 updated, 0 unchanged, 0 closed, 0 failed");
    expect(github.pulls).toHaveLength(1);
    const [pr] = github.pulls;
    expect(pr).toMatchObject({
      number: 1,
      branch: BRANCH,
      base: "main",
      state: "open",
      reviewers: ["alice"],
    });
    expect(pr?.labels).toEqual(expect.arrayContaining(["cost-optimization", "finops"]));
    expect(parseMetadata(pr?.body, new MetadataKey(SECRET))?.policy).toBe("shop/web-cost");
    // The change is on costopt's branch, the file kept its mode, the default branch is untouched.
    const proposed = github.file(BRANCH, "k8s/web.yaml");
    expect(proposed?.mode).toBe("100755");
    expect(proposed?.content).toMatch(/cpu: "\d+m" +# generous on purpose/);
    expect(github.file("main", "k8s/web.yaml")?.content).toBe(DEPLOYMENT);
    // Reading (head with PRs, tree and dashboard issues, then blobs), then six requests to open the
    // PR; at the end of the pass the cost dashboard, which the head query found none of, is created.
    console.info(`costopt run --github, cold pass opening a PR: ${github.requests.length} requests`);
    expect(github.requests).toEqual([
      "POST /graphql",
      "POST /graphql",
      "POST /repos/acme/deploy/git/trees",
      "POST /repos/acme/deploy/git/commits",
      "POST /repos/acme/deploy/git/refs",
      "POST /repos/acme/deploy/pulls",
      "PATCH /repos/acme/deploy/issues/1",
      "POST /repos/acme/deploy/pulls/1/requested_reviewers",
      "POST /repos/acme/deploy/issues",
    ]);
    expect(github.issues).toEqual([
      expect.objectContaining({ number: 2, title: "costopt: cost dashboard", state: "open" }),
    ]);
    const dashboard = github.issues[0]?.body;
    expect(dashboard).toContain("| `shop/web-cost` | Deployment/web |");
    expect(dashboard).toContain("PR #1 open");

    github.requests.length = 0;
    out.length = 0;
    expect(await run(), out.join("")).toBe(0);
    expect(out.join("")).toContain("0 opened, 0 updated, 1 unchanged");
    expect(github.pulls).toHaveLength(1);
    // Nothing changed: the two reads of a fresh process (head with its tree and the dashboard
    // issues, blobs); the dashboard holds the same text, so it is neither looked up nor edited.
    console.info(`costopt run --github, cold pass that changes nothing: ${github.requests.length} requests`);
    expect(github.requests).toEqual(["POST /graphql", "POST /graphql"]);
    expect(github.issues[0]?.body).toBe(dashboard);
  });

  it("never takes a person's issue for its dashboard, and sees a closed dashboard as closed", async () => {
    // Same title, label and even costopt's marker on its first line, but a person opened it.
    github.issues.push({
      number: 1,
      title: "costopt: cost dashboard",
      body: "<!-- costopt:dashboard -->\nmy own notes",
      state: "open",
      labels: ["costopt-dashboard"],
      author: "User",
    });
    expect(await run(), out.join("")).toBe(0);
    expect(github.issues).toEqual([
      expect.objectContaining({
        number: 1,
        body: "<!-- costopt:dashboard -->\nmy own notes",
        author: "User",
      }),
      expect.objectContaining({ number: 3, title: "costopt: cost dashboard", state: "open" }),
    ]);
    expect(github.requests.filter((r) => r.includes("/issues"))).toEqual([
      "PATCH /repos/acme/deploy/issues/2", // the pull request's labels
      "POST /repos/acme/deploy/issues",
    ]);

    // A person closes costopt's dashboard; its text is now stale, but closed it stays (no reopen
    // asked for): the head query said so, and nothing is looked up or written.
    const ours = github.issues[1] as (typeof github.issues)[number];
    Object.assign(ours, { state: "closed", body: "<!-- costopt:dashboard -->\nlast month's numbers" });
    github.requests.length = 0;
    expect(await run(), out.join("")).toBe(0);
    expect(github.requests).toEqual(["POST /graphql", "POST /graphql"]);
    expect(ours).toMatchObject({ state: "closed", body: "<!-- costopt:dashboard -->\nlast month's numbers" });
  });

  it("holds prHourlyLimit across processes: an immediate second run opens nothing more", async () => {
    await github.stop();
    // One clock for GitHub's creation times and for the CLI's forge, which reads Date: Date is
    // faked from a fixed instant, moving with elapsed time (timers stay real); the test moves it an
    // hour on.
    vi.useFakeTimers({ toFake: ["Date"], now: FIXED_INSTANT, shouldAdvanceTime: true });
    const clock = () => Date.now();
    github = await new GitHubServer({
      owner: "acme",
      repo: "deploy",
      now: clock,
      files: {
        "k8s/web.yaml": deploymentNamed("web"),
        "k8s/api.yaml": deploymentNamed("api"),
        ".github/costopt.yml": "prHourlyLimit: 1\n",
      },
    }).start();
    const policies = join(work, "policies.yaml");
    writeFileSync(policies, [policyFor("web"), policyFor("api")].join("---\n"));
    const metrics = await writeWebMetrics(join(work, "two.om"), ["web", "api"], 300);
    const opened = () => github.pulls.map((p) => p.branch);

    // Each run() is a fresh CLI pass: its own forge and in-memory store, as a new process has.
    expect(await run(policies, metrics), out.join("")).toBe(0);
    expect(out.join("")).toContain("1 opened");
    expect(out.join("")).toContain(
      "=== shop/api-cost: limit-hourly — 1 pull requests opened in the last hour; waiting",
    );
    expect(opened()).toEqual(["costopt/shop/web-cost"]);

    out.length = 0;
    expect(await run(policies, metrics), out.join("")).toBe(0);
    expect(out.join("")).toContain("0 opened, 0 updated, 1 unchanged");
    expect(out.join("")).toContain("=== shop/api-cost: limit-hourly");
    expect(opened()).toEqual(["costopt/shop/web-cost"]);

    // An hour on, the held one opens.
    vi.setSystemTime(Date.now() + 3600 * 1000 + 1);
    out.length = 0;
    expect(await run(policies, metrics), out.join("")).toBe(0);
    expect(out.join("")).toContain("1 opened, 0 updated, 1 unchanged");
    expect(opened()).toEqual(["costopt/shop/web-cost", "costopt/shop/api-cost"]);
  });

  it("says what is missing without a token, and never shows one", async () => {
    vi.stubEnv("GITHUB_TOKEN", "");
    const errors: string[] = [];
    vi.spyOn(console, "error").mockImplementation((m) => errors.push(String(m)));
    const code = await main([
      "node",
      "costopt",
      "run",
      "--github",
      "acme/deploy",
      "--policies",
      join(work, "policy.yaml"),
      "--metrics",
      join(work, "usage.om"),
    ]);
    expect(code).toBe(2);
    expect(errors).toEqual(["costopt: --github needs a token in GITHUB_TOKEN"]);
    expect(github.requests).toEqual([]);
  });
});

// The command-line conventions a kubectl or KRR user expects, asserted on what they see: -f
// repeatable with globs and stdin, --version, -o, -n, colour only on a terminal, tables that fit
// it, -q/-v, run --dry-run and -o json, progress on stderr, and exit codes CI can fail on.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runOnce } from "../../src/cli/run.js";
import { makeRepo, sh } from "../forge/local-repo.js";
import { runCli } from "../support/cli.js";
import { mainCaptured } from "../support/in-process-cli.js";
import { DEPLOYMENT, NOW, POLICY, writeWebUsage } from "./run-fixtures.js";

// A second policy, in another namespace, whose workload is not in the repository.
const ELSEWHERE = POLICY.replace("name: web-cost", "name: api-cost")
  .replace("namespace: shop", "namespace: billing")
  .replace("name: web }", "name: api }");
const INVALID = POLICY.replace("maxChangePercent: 80", "maxChangePercent: 120");

let work: string;
let repo: string;
let metrics: string;
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "costopt-conventions-"));
  repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
  writeFileSync(join(work, "web.yaml"), POLICY);
  writeFileSync(join(work, "billing.yaml"), ELSEWHERE);
  writeFileSync(join(work, "invalid.yaml"), INVALID);
  metrics = join(work, "usage.om");
  await writeWebUsage(metrics, 300, 3);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

const recommend = (...extra: string[]) =>
  mainCaptured(["recommend", "--repo", repo, "--metrics", metrics, "--now", NOW, ...extra]);

/** Runs with stdout looking like a terminal of `columns` characters. */
async function onTerminal<T>(columns: number, f: () => Promise<T>): Promise<T> {
  const { isTTY, columns: before } = process.stdout;
  Object.assign(process.stdout, { isTTY: true, columns });
  try {
    return await f();
  } finally {
    Object.assign(process.stdout, { isTTY, columns: before });
  }
}

describe("-f, the one flag for policies", () => {
  it("validate checks every -f given: an invalid first file fails the run", async () => {
    const r = await mainCaptured([
      "validate",
      "-f",
      join(work, "invalid.yaml"),
      "-f",
      join(work, "web.yaml"),
    ]);
    expect(r.out).toContain(`${join(work, "invalid.yaml")}:11: spec.maxChangePercent: Invalid value: 120`);
    expect(r.err).toContain("2 CostOptimization policies checked, 1 error(s)");
    expect(r.code).toBe(1);
  });

  it("takes several paths after one -f (a glob the shell expanded) and a quoted glob it expands itself", async () => {
    const expanded = await mainCaptured([
      "validate",
      "-f",
      join(work, "web.yaml"),
      join(work, "billing.yaml"),
    ]);
    expect(expanded.err).toContain("2 CostOptimization policies checked, 0 error(s)");
    expect(expanded.code).toBe(0);
    const glob = await mainCaptured(["validate", "-f", join(work, "*.yaml")]);
    expect(glob.err).toContain("3 CostOptimization policies checked, 1 error(s)");
    expect(glob.code).toBe(1);
    const none = await mainCaptured(["validate", "-f", join(work, "*.yml")]);
    expect(none.err).toContain(`-f ${join(work, "*.yml")}: no file matches`);
    expect(none.code).toBe(2);
  });

  it("is -f for recommend and run too, - reads stdin, and --policies still works", async () => {
    const viaStdin = runCli(
      ["recommend", "-f", "-", "--repo", repo, "--metrics", metrics, "--now", NOW, "-o", "json"],
      {
        input: POLICY,
      },
    );
    expect(viaStdin.stderr).toBe("");
    expect(
      (JSON.parse(viaStdin.stdout) as { items: { policy: string }[] }).items.map((i) => i.policy),
    ).toEqual(["shop/web-cost"]);
    const old = await recommend("--policies", join(work, "web.yaml"), "-o", "json");
    expect(old.out).toBe(viaStdin.stdout);
    const run = await mainCaptured([
      "run",
      "--repo",
      repo,
      "-f",
      join(work, "web.yaml"),
      "--metrics",
      metrics,
      "--now",
      NOW,
      "--dry-run",
    ]);
    expect(run.out).toContain("=== shop/web-cost: created");
  });
});

describe("program-wide flags", () => {
  it("--version prints the package version", async () => {
    const r = await mainCaptured(["--version"]);
    expect(r.out.trim()).toBe(pkg.version);
    expect(r.code).toBe(0);
  });

  it("-o is --format", async () => {
    const a = await recommend("-f", join(work, "web.yaml"), "-o", "yaml");
    const b = await recommend("-f", join(work, "web.yaml"), "--format", "yaml");
    expect(a.out).toMatch(/^apiVersion: costopt.dev\/v1\nkind: RecommendationReport\n/);
    expect(a.out).toBe(b.out);
  });

  it("-n keeps only policies whose workload is in the namespaces given", async () => {
    const all = await recommend(
      "-f",
      work.concat("/web.yaml"),
      "-f",
      join(work, "billing.yaml"),
      "-o",
      "json",
    );
    expect(all.code).toBe(1); // billing/api is not in the repository
    const shop = await recommend(
      "-f",
      join(work, "web.yaml"),
      "-f",
      join(work, "billing.yaml"),
      "-n",
      "shop",
      "-o",
      "json",
    );
    expect((JSON.parse(shop.out) as { items: { policy: string }[] }).items.map((i) => i.policy)).toEqual([
      "shop/web-cost",
    ]);
    expect(shop.code).toBe(0);
    const run = await mainCaptured([
      "run",
      "--repo",
      repo,
      "-f",
      join(work, "billing.yaml"),
      "-f",
      join(work, "web.yaml"),
      "-n",
      "billing",
      "--metrics",
      metrics,
      "--now",
      NOW,
      "--dry-run",
      "-o",
      "json",
    ]);
    expect((JSON.parse(run.out) as { results: { policy: string }[] }).results.map((r) => r.policy)).toEqual([
      "billing/api-cost",
    ]);
  });

  it("colours the table only on a terminal, never with --no-color or NO_COLOR", async () => {
    // The environment the suite runs in decides nothing here (npm run test:stress sets NO_COLOR).
    vi.stubEnv("NO_COLOR", "");
    vi.stubEnv("TERM", "xterm");
    const args = ["-f", join(work, "web.yaml")];
    expect((await recommend(...args)).out).not.toContain("\x1b[");
    expect((await onTerminal(200, () => recommend(...args))).out).toContain("\x1b[1mPolicy\x1b[22m");
    expect(
      (
        await onTerminal(200, () =>
          mainCaptured([
            "--no-color",
            "recommend",
            "--repo",
            repo,
            "--metrics",
            metrics,
            "--now",
            NOW,
            ...args,
          ]),
        )
      ).out,
    ).not.toContain("\x1b[");
    vi.stubEnv("NO_COLOR", "1");
    try {
      expect((await onTerminal(200, () => recommend(...args))).out).not.toContain("\x1b[");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("fits the table to the terminal width, dropping the least needed columns on a narrow one", async () => {
    const args = ["-f", join(work, "web.yaml"), "--no-color"];
    const widest = (out: string) => Math.max(...out.split("\n").map((l) => l.length));
    const piped = await recommend(...args);
    expect(widest(piped.out)).toBeGreaterThan(120);
    for (const columns of [120, 90]) {
      const { out } = await onTerminal(columns, () => recommend(...args));
      expect(widest(out)).toBeLessThanOrEqual(columns);
      expect(out).toMatch(/Policy/);
    }
    const narrow = (await onTerminal(90, () => recommend(...args))).out;
    expect(narrow).not.toContain("Manifests");
  });

  it("-q leaves only results and errors on stderr; -v error is the same; warnings show by default", async () => {
    const input = join(work, "typo.yaml");
    writeFileSync(input, POLICY.replace("dryRun: false", "dryrun: false"));
    const plain = await mainCaptured(["validate", "-f", input]);
    expect(plain.err).toContain('warning: unknown field "spec.dryrun"');
    expect(plain.err).toContain("1 CostOptimization policy checked");
    for (const flag of [["-q"], ["-v", "error"]]) {
      const quiet = await mainCaptured([...flag, "validate", "-f", input]);
      expect(quiet.err).toBe("");
      expect(quiet.code).toBe(0);
    }
    const bad = await mainCaptured(["-v", "loud", "validate", "-f", input]);
    expect(bad.err).toMatch(/argument 'loud' is invalid\. Allowed choices are debug, info, warn, error/);
    expect(bad.code).toBe(2);
  });
});

describe("costopt run", () => {
  it("--dry-run shows the diff and creates no branch, pull request or key", async () => {
    const dry = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
    const branches = sh(dry, "branch", "--list");
    const r = await mainCaptured([
      "run",
      "--repo",
      dry,
      "-f",
      join(work, "web.yaml"),
      "--metrics",
      metrics,
      "--now",
      NOW,
      "--dry-run",
    ]);
    expect(r.out).toMatch(/^Dry run: nothing is written/);
    expect(r.out).toMatch(/^-\s+cpu: "2"/m);
    expect(r.out).toMatch(/^\+\s+cpu: "?\d+m/m);
    expect(r.out).toMatch(
      /Dry run: 2 write\(s\) skipped\n {2}- commit 1 file\(s\) to costopt\/shop\/web-cost\n {2}- open pull request/,
    );
    expect(sh(dry, "branch", "--list")).toBe(branches);
    expect(existsSync(join(dry, ".git", "costopt"))).toBe(false);
    // The same run for real opens it.
    const real = await mainCaptured([
      "run",
      "--repo",
      dry,
      "-f",
      join(work, "web.yaml"),
      "--metrics",
      metrics,
      "--now",
      NOW,
    ]);
    expect(real.out).toContain("=== shop/web-cost: created #1");
    expect(sh(dry, "branch", "--list")).toContain("costopt/shop/web-cost");
  });

  it("-o json gives a versioned report with each proposal's action and diff, and invalid policies with their errors", async () => {
    const r = await mainCaptured([
      "run",
      "--repo",
      repo,
      "-f",
      join(work, "web.yaml"),
      join(work, "invalid.yaml"),
      "--metrics",
      metrics,
      "--now",
      NOW,
      "--dry-run",
      "-o",
      "json",
    ]);
    const doc = JSON.parse(r.out) as {
      apiVersion: string;
      kind: string;
      dryRun: boolean;
      results: { policy: string; action: string; diff: string; monthlySavings: number }[];
      invalidPolicies: { policy: string; errors: string[] }[];
    };
    expect(doc).toMatchObject({ apiVersion: "costopt.dev/v1", kind: "RunReport", dryRun: true });
    expect(doc.results).toHaveLength(1);
    expect(doc.results[0]).toMatchObject({ policy: "shop/web-cost", action: "created" });
    expect(doc.results[0]?.diff).toMatch(/^\+\s+cpu: "?\d+m/m);
    expect(doc.results[0]?.monthlySavings).toBeGreaterThan(0);
    expect(doc.invalidPolicies).toEqual([
      {
        policy: "shop/web-cost",
        file: join(work, "invalid.yaml"),
        line: 1,
        errors: [expect.stringContaining("maxChangePercent: Invalid value: 120")],
      },
    ]);
    expect(r.code).toBe(1);
  });

  it("reports progress per policy", async () => {
    const steps: string[] = [];
    await runOnce(
      { repo, policies: [join(work, "web.yaml")], metrics, now: NOW, dryRun: true },
      { progress: { step: (done, total, label) => steps.push(`${done + 1}/${total} ${label}`), end() {} } },
    );
    expect(steps).toEqual(["1/1 reconciling shop/web-cost"]);
  });
});

describe("exit codes for CI (--fail-on)", () => {
  it("error (the default) fails on a policy that could not be handled, none never, change on an allowed change", async () => {
    const both = ["-f", join(work, "web.yaml"), join(work, "billing.yaml"), "-o", "json"];
    expect((await recommend(...both)).code).toBe(1);
    expect((await recommend(...both, "--fail-on", "error")).code).toBe(1);
    expect((await recommend(...both, "--fail-on", "none")).code).toBe(0);
    const web = ["-f", join(work, "web.yaml"), "-o", "json"];
    expect((await recommend(...web)).code).toBe(0);
    expect((await recommend(...web, "--fail-on", "change")).code).toBe(1);
    const dry = ["run", "--repo", repo, ...web, "--metrics", metrics, "--now", NOW, "--dry-run"];
    expect((await mainCaptured(dry)).code).toBe(0);
    expect((await mainCaptured([...dry, "--fail-on", "change"])).code).toBe(1);
    const never = await recommend(...web, "--fail-on", "sometimes");
    expect(never.err).toMatch(/Allowed choices are none, error, change/);
    expect(never.code).toBe(2);
  });
});

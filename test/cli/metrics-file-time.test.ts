// An OpenMetrics file is a recording: without --now, recommend and run evaluate as of its last
// sample and say so; when a policy still finds no usage, the hint names the window, the file's
// time range and --now.

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeRepo } from "../forge/local-repo.js";
import { costopt } from "./cli-output.js";
import { DEPLOYMENT, NOW, POLICY, START, WEEK, writeWebMetrics } from "./run-fixtures.js";

const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

async function setup() {
  const repo = makeRepo({ "k8s/web.yaml": DEPLOYMENT });
  const work = mkdtempSync(join(tmpdir(), "costopt-filetime-"));
  writeFileSync(join(work, "policy.yaml"), POLICY);
  // A week recorded in January 2026: long before the day any test runs.
  const metrics = await writeWebMetrics(join(work, "m.om"), ["web"], 300);
  return {
    repo,
    metrics,
    args: ["--policies", join(work, "policy.yaml"), "--repo", repo, "--metrics", metrics],
  };
}

describe("an OpenMetrics file older than the policy window", () => {
  it("is evaluated as of its last sample when --now is not given, and recommend and run say so", async () => {
    const { args, metrics } = await setup();
    const rec = await costopt("recommend", ...args);
    const last = /as of (\S+), the last sample/.exec(rec.stderr)?.[1] ?? "";
    expect(rec.stderr).toContain(
      `evaluating as of ${last}, the last sample in ${metrics} (pass --now to choose another time)`,
    );
    // The last sample is at the end of the recorded week.
    expect(Date.parse(last) / 1000).toBeGreaterThan(START + WEEK - 600);
    expect(Date.parse(last) / 1000).toBeLessThanOrEqual(START + WEEK);
    expect(rec.code).toBe(0);
    expect(rec.stdout).toContain("2 -> ");
    const run = await costopt("run", ...args);
    expect(run.stderr).toContain(`evaluating as of ${last}, the last sample in ${metrics}`);
    expect(run.stdout).toContain("=== shop/web-cost: created #1");
  });

  it("names the window, the file's time range and --now when a policy still finds no usage", async () => {
    const { args, metrics } = await setup();
    const later = new Date(Date.parse(NOW) + 30 * 86400 * 1000).toISOString();
    const end = Date.parse(later) / 1000;
    const range = /samples from (\S+) to (\S+) /;
    for (const command of ["recommend", "run"]) {
      const out = await costopt(command, ...args, "--now", later);
      const [, first = "", last = ""] = range.exec(out.stderr) ?? [];
      expect(out.stderr, command).toContain(
        `shop/web-cost: no usage in the window ${iso(end - WEEK)} .. ${later}; ${metrics} holds samples from ${first} to ${last} (pass --now with a time in that range, or check the workload's namespace and name in the file)`,
      );
      expect(Date.parse(first) / 1000).toBeGreaterThanOrEqual(START);
    }
  });
});

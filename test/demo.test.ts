import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// `npm run demo` is the first thing a new user runs: it must work offline, end to end.
describe("npm run demo", () => {
  // The demo itself must finish in under 30 s; the margin is for a CI machine running other tests at once.
  it("opens pull requests from the examples, merges one and reverts it on /costopt rollback", {
    timeout: 120_000,
  }, async () => {
    const run = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/demo.ts"], {
      encoding: "utf8",
      timeout: 110_000,
    });
    expect(run.stderr).not.toMatch(/Error/);
    const out = run.stdout;
    // A summary line per example policy.
    for (const policy of [
      "demo/frontend-cpu",
      "demo/analytics-full",
      "demo/api-gateway-replicas",
      "demo/batch-spot",
    ])
      expect(out).toMatch(new RegExp(`^ {2}${policy} `, "m"));
    // A pull request with its title, evidence and diff.
    expect(out).toMatch(/^# costopt: microservice-analytics .*\(saves \$[\d.,]+\/mo\)$/m);
    expect(out).toContain("### Evidence");
    expect(out).toMatch(/^-\s+replicas: 6$/m);
    // The merge, the rollback command and the revert restoring the original values.
    expect(out).toMatch(/merged #1 .* -> applied/);
    expect(out).toContain("costopt replied: @platform-engineer, opened #2 to revert #1.");
    expect(out).toMatch(/^\+\s+replicas: 6$/m);
    // It leaves nothing behind: the folder with the repository and the ~75 MB usage file is gone.
    const repo = /git repository with \d+ files: (\S+?costopt-demo-\w+\/repo)/.exec(run.stderr)?.[1];
    expect(repo).toMatch(/costopt-demo-\w+\/repo$/);
    expect(existsSync(dirname(repo ?? ""))).toBe(false);
    expect(out).toMatch(/its temporary folder is removed\. `npm run demo -- --keep` leaves the repository/);
  });
});

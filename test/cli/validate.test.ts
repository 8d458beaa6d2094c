import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../support/cli.js";
import { mainCaptured } from "../support/in-process-cli.js";

afterEach(() => vi.restoreAllMocks());

describe("costopt validate", () => {
  it("accepts the bundled examples and exits 0", () => {
    const r = runCli(["validate", "-f", "manifests/examples/"]);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("4 CostOptimization policies checked, 0 error(s), 0 warning(s)");
    expect(r.code).toBe(0);
  });

  it("prints all three violations with file, line and field path, and exits 1", () => {
    const r = runCli(["validate", "-f", "test/cli/testdata/three-violations.yaml"]);
    expect(r.stdout.trim().split("\n")).toEqual([
      "test/cli/testdata/three-violations.yaml:19: spec.maxChangePercent: Invalid value: 120: must be between 1 and 100",
      "test/cli/testdata/three-violations.yaml:20: spec.minConfidence: Invalid value: 1.5: must be between 0.0 and 1.0",
      "test/cli/testdata/three-violations.yaml:21: spec.autoApply: Forbidden: cannot be combined with dryRun (dryRun defaults to true; set dryRun: false)",
    ]);
    expect(r.code).toBe(1);
  });

  it("gives a clear parse error with its line for a file that is not YAML", () => {
    const r = runCli(["validate", "-f", "test/cli/testdata/not-yaml.yaml"]);
    expect(r.stdout).toMatch(/^test\/cli\/testdata\/not-yaml\.yaml:\d+:\d+: cannot parse YAML: /);
    expect(r.code).toBe(1);
  });

  it("reads stdin, warns about unknown fields and still exits 0", () => {
    const input =
      "apiVersion: costopt.dev/v1\nkind: CostOptimization\nmetadata: {name: a, namespace: shop}\nspec:\n  targetWorkload: {name: web, kind: Deployment}\n  optimizationType: CPU\n  maxChangePercnt: 10\n";
    const r = runCli(["validate", "-f", "-"], { input });
    expect(r.stderr).toContain('<stdin>:7: warning: unknown field "spec.maxChangePercnt"');
    expect(r.code).toBe(0);
  });

  it("flags a policy of the original operator by its apiVersion and honours configured protections", () => {
    const input =
      "apiVersion: optimization.example.com/v1\nkind: CostOptimization\nmetadata: {name: a, namespace: shop}\nspec:\n  targetWorkload: {name: ledger, kind: Deployment}\n  optimizationType: CPU\n";
    const r = runCli(["validate", "-f", "-", "--protected-workloads", "ledger"], { input });
    expect(r.stdout).toContain(
      'apiVersion: Unsupported value: "optimization.example.com/v1": supported values: "costopt.dev/v1"',
    );
    expect(r.stdout).toContain(
      '<stdin>:5: spec.targetWorkload.name: Forbidden: workload "ledger" is protected',
    );
    expect(r.code).toBe(1);
  });

  it("says which path of which flag does not exist", () => {
    const r = runCli(["validate", "-f", "nope/missing.yaml"]);
    expect(r.stderr).toContain("costopt: -f nope/missing.yaml: no such file or directory");
    expect(r.code).toBe(2);
  });

  it("fails on a folder without policies instead of passing with 0 checked", async () => {
    const empty = mkdtempSync(join(tmpdir(), "costopt-empty-"));
    const r = await mainCaptured(["validate", "-f", empty]);
    expect(r.err).toBe(`costopt: -f ${empty}: no CostOptimization policies found\n`);
    expect(r.code).toBe(2);
  });
});

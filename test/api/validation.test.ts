import { describe, expect, it } from "vitest";
import { applyDefaults, defaultingPatch } from "../../src/api/defaults.js";
import { validatePolicy } from "../../src/api/validation.js";
import { cases, policy } from "./cases.js";

describe("validation rules", () => {
  it.each(cases)("$rule", ({ accepted, rejected, message, opts }) => {
    // The label rule needs the labels on both sides: the accepted case has other labels.
    const acceptedOpts = opts?.workloadLabels ? { ...opts, workloadLabels: { app: "web" } } : opts;
    expect(validatePolicy(accepted, acceptedOpts).violations).toEqual([]);
    const messages = validatePolicy(rejected, opts).violations.map((v) => v.message);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(message);
  });

  it("returns every violation at once", () => {
    const result = validatePolicy(
      policy({
        targetWorkload: { kind: "Job" },
        maxChangePercent: 120,
        minConfidence: -1,
        autoApply: true,
        maxRiskLevel: "HIGH",
      }),
    );
    expect(result.violations.map((v) => v.field)).toEqual([
      "spec.targetWorkload.name",
      "spec.targetWorkload.kind",
      "spec.maxChangePercent",
      "spec.minConfidence",
      "spec.autoApply", // with dryRun (defaulted to true)
      "spec.autoApply", // with maxRiskLevel HIGH; maxChangePercent 120 is reported once, above
    ]);
  });

  it("reports a missing spec and a non-object document", () => {
    expect(validatePolicy({ kind: "CostOptimization" }).violations[0]?.message).toBe("spec: Required value");
    expect(validatePolicy("text").violations[0]?.message).toBe(
      '<root>: Invalid value: "text": must be an object',
    );
  });

  it("warns about unknown fields like kubectl's strict field validation", () => {
    const result = validatePolicy(policy({ maxChangePercnt: 10, source: { repo: "a/b" } }));
    expect(result.violations).toEqual([]);
    expect(result.warnings).toEqual([
      'unknown field "spec.maxChangePercnt"',
      'unknown field "spec.source.repo"',
    ]);
    // containerMapping is a free map; metadata and status are not checked here.
    expect(validatePolicy(policy({ source: { containerMapping: { app: "main" } } }), {}).warnings).toEqual(
      [],
    );
  });
});

describe("defaults", () => {
  it("adds spec defaults, the managed-by label and an initial status without touching set values", () => {
    const defaulted = applyDefaults(policy({ maxChangePercent: 20 })) as Record<
      string,
      Record<string, unknown>
    >;
    expect(defaulted.spec).toMatchObject({
      maxChangePercent: 20,
      minConfidence: 0.7,
      dryRun: true,
      autoApply: false,
      rollbackOnFailure: true,
      maxRiskLevel: "MEDIUM",
      metricsWindow: "7d",
    });
    expect(defaulted.metadata?.labels).toEqual({ "app.kubernetes.io/managed-by": "costopt" });
    expect(defaulted.status).toEqual({ phase: "Pending", appliedOptimizations: 0, totalSavings: 0 });
  });

  it("patches existing labels with an escaped JSON pointer and leaves the input alone", () => {
    const input = policy({}, { labels: { team: "web" } });
    const ops = defaultingPatch(input);
    expect(ops).toContainEqual({
      op: "add",
      path: "/metadata/labels/app.kubernetes.io~1managed-by",
      value: "costopt",
    });
    expect((input.metadata as Record<string, unknown>).labels).toEqual({ team: "web" });
    expect(defaultingPatch(applyDefaults(input))).toEqual([]);
  });
});

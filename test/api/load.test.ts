import { describe, expect, it } from "vitest";
import { checkPolicies, parseYamlFile, validPolicies } from "../../src/api/load.js";

const policyYaml = (name: string, extra = "") =>
  `apiVersion: costopt.dev/v1\nkind: CostOptimization\nmetadata:\n  name: ${name}\nspec:\n  targetWorkload:\n    name: web\n    kind: Deployment\n  optimizationType: CPU\n${extra}`;

describe("loading policies from YAML", () => {
  it("fills in defaults and namespaces, and keeps the source line of each document", () => {
    const content = `# header\n${policyYaml("a")}---\n${policyYaml("b", "  maxChangePercent: 20\n")}`;
    const set = checkPolicies([{ path: "p.yaml", content }], { defaultNamespace: "shop" });
    expect(set.checked.map((c) => c.document.line)).toEqual([2, 12]);
    const { policies, problems } = validPolicies(set);
    expect(problems).toEqual([]);
    expect(
      policies.map((p) => [p.metadata.namespace, p.spec.targetWorkload.namespace, p.spec.maxChangePercent]),
    ).toEqual([
      ["shop", "shop", 50],
      ["shop", "shop", 20],
    ]);
  });

  it("reports a policy with an invalid metadata.name and still loads the others (local mode, the CLI)", () => {
    const content = `${policyYaml('"Web Cost/../x"')}---\n${policyYaml("ok")}`;
    const { policies, problems } = validPolicies(
      checkPolicies([{ path: "p.yaml", content }], { defaultNamespace: "shop" }),
    );
    expect(policies.map((p) => p.metadata.name)).toEqual(["ok"]);
    expect(problems).toEqual([
      "p.yaml:4: metadata.name: Invalid value: \"Web Cost/../x\": must be a lowercase RFC 1123 name of at most 253 characters (a-z, 0-9 and '-')",
    ]);
  });

  it("expands List items and points a violation at the item's field", () => {
    const content = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: costopt.dev/v1\n  kind: CostOptimization\n  metadata: {name: a, namespace: shop}\n  spec:\n    targetWorkload: {name: web, kind: Deployment}\n    optimizationType: CPU\n    minConfidence: 2\n`;
    const { policies, problems } = validPolicies(checkPolicies([{ path: "list.yaml", content }]));
    expect(policies).toEqual([]);
    expect(problems).toEqual([
      "list.yaml:10: spec.minConfidence: Invalid value: 2: must be between 0.0 and 1.0",
    ]);
  });

  it("reports unparsable documents and duplicate keys with line and column and keeps the rest", () => {
    const content = `${policyYaml("ok")}---\nkind: CostOptimization\nspec: [\n---\nkind: CostOptimization\nkind: Deployment\n`;
    const parsed = parseYamlFile("bad.yaml", content);
    expect(parsed.documents).toHaveLength(1);
    expect(parsed.errors.map((e) => [e.line, e.column > 0])).toEqual([
      [13, true], // where the unclosed "[" is noticed
      [15, true],
    ]);
    expect(parsed.errors[1]?.message).toMatch(/unique/i);
  });

  it("ignores other kinds and empty documents", () => {
    const set = checkPolicies([
      { path: "x.yaml", content: "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" },
    ]);
    expect(set.checked).toEqual([]);
    expect(set.parseErrors).toEqual([]);
  });
});

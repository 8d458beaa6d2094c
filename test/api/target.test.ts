import { describe, expect, it } from "vitest";
import { policyTarget } from "../../src/api/target.js";
import type { CostOptimization } from "../../src/api/types.js";
import { policy } from "./cases.js";

const of = (p: Record<string, unknown>) => policyTarget(p as unknown as CostOptimization);

describe("policyTarget", () => {
  it("takes the target's namespace, else the policy's, else default", () => {
    expect(of(policy({ targetWorkload: { name: "web", kind: "Deployment", namespace: "team" } }))).toEqual({
      namespace: "team",
      kind: "Deployment",
      name: "web",
    });
    expect(of(policy()).namespace).toBe("shop");
    expect(of(policy({}, { namespace: undefined })).namespace).toBe("default");
  });
});

import { describe, expect, it } from "vitest";
import { policyKey, policyRefOf, workloadKey } from "../../src/api/refs.js";
import { policyKeyFromBranch, proposalBranch } from "../../src/gitops/identity.js";

describe("one identity", () => {
  it('a policy without a namespace is in "default", whoever builds its key', () => {
    const ref = policyRefOf({ metadata: { name: "web-cost" } });
    expect(ref).toEqual({ namespace: "default", name: "web-cost" });
    expect(policyKey(ref)).toBe("default/web-cost");
  });

  it("the cluster prefixes the key and the branch, and the branch gives the key back", () => {
    const ref = policyRefOf({ metadata: { name: "web-cost", namespace: "shop" } });
    expect(policyKey(ref, "eu west")).toBe("eu-west/shop/web-cost");
    expect(policyKeyFromBranch(proposalBranch(ref, "eu west"))).toBe(policyKey(ref, "eu west"));
    expect(policyKeyFromBranch(proposalBranch(ref))).toBe("shop/web-cost");
  });

  it("a workload's usage key names namespace, kind and name", () => {
    expect(workloadKey({ namespace: "shop", kind: "StatefulSet", name: "db" })).toBe("shop/StatefulSet/db");
  });
});

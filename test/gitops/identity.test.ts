import { describe, expect, it } from "vitest";
import { policyKey } from "../../src/api/refs.js";
import { fingerprint, isMaterialChange } from "../../src/gitops/fingerprint.js";
import { policyKeyFromBranch, proposalBranch } from "../../src/gitops/identity.js";
import { parseMetadata, renderMetadata, withMetadata } from "../../src/gitops/metadata.js";
import { TEST_KEY } from "../support/metadata-key.js";

const field = (after: unknown) => ({
  path: "a.yaml",
  document: 0,
  pointer: "/spec/replicas",
  before: 3,
  after,
});

describe("proposal identity", () => {
  it("is one branch per policy, with the cluster in front when configured", () => {
    expect(proposalBranch({ namespace: "shop", name: "web" })).toBe("costopt/shop/web");
    expect(proposalBranch({ namespace: "shop", name: "web" }, "prod eu:1")).toBe(
      "costopt/prod-eu-1/shop/web",
    );
    expect(policyKey({ namespace: "shop", name: "web" }, "prod")).toBe("prod/shop/web");
    expect(policyKeyFromBranch("costopt/prod/shop/web")).toBe("prod/shop/web");
    expect(policyKeyFromBranch("feature/x")).toBeUndefined();
  });

  it("fingerprints the intended change, not the order of fields", () => {
    const a = { ...field(2), pointer: "/a" };
    const b = { ...field(2), pointer: "/b" };
    expect(fingerprint("p", [a, b], [])).toBe(fingerprint("p", [b, a], []));
    expect(fingerprint("p", [field(2)], [])).not.toBe(fingerprint("p", [field(1)], []));
    expect(fingerprint("p", [], [{ path: "k.yaml", content: "x" }])).not.toBe(
      fingerprint("p", [], [{ path: "k.yaml", content: "y" }]),
    );
  });

  it("calls a change material beyond 10%, on a new field or a changed text", () => {
    expect(isMaterialChange({ "app/cpuRequest": 250 }, { "app/cpuRequest": 260 })).toBe(false);
    expect(isMaterialChange({ "app/cpuRequest": 250 }, { "app/cpuRequest": 200 })).toBe(true);
    expect(isMaterialChange({ "app/cpuRequest": 250 }, { "app/cpuRequest": 250, replicas: 2 })).toBe(true);
    expect(isMaterialChange({ placement: "spot" }, { placement: "on-demand" })).toBe(true);
  });
});

describe("metadata block", () => {
  const meta = {
    v: 1 as const,
    kind: "proposal" as const,
    policy: "shop/web",
    fingerprint: "f",
    base: "b",
    head: "h",
    fields: [field(2)],
    createdFiles: [],
    proposed: { replicas: 2 },
    monthlySavings: 5,
  };

  it("hides in an HTML comment and parses back, originals included", () => {
    const block = renderMetadata(meta, TEST_KEY);
    expect(block).toMatch(/^<!-- costopt:metadata [A-Za-z0-9+/=]+ [0-9a-f]{64} -->$/);
    expect(parseMetadata(`text\n\n${block}\n`, TEST_KEY)?.fields[0]?.before).toBe(3);
  });

  it("ignores bodies without a block or with a corrupt one", () => {
    expect(parseMetadata("hello", TEST_KEY)).toBeUndefined();
    expect(parseMetadata("<!-- costopt:metadata bm90IGpzb24= -->", TEST_KEY)).toBeUndefined();
    expect(parseMetadata(null, TEST_KEY)).toBeUndefined();
  });

  it("replaces the block in place", () => {
    const body = withMetadata("text", meta, TEST_KEY);
    const updated = withMetadata(body, { ...meta, head: "h2" }, TEST_KEY);
    expect(updated.match(/costopt:metadata/g)).toHaveLength(1);
    expect(parseMetadata(updated, TEST_KEY)?.head).toBe("h2");
  });
});

import { describe, expect, it } from "vitest";
import { firstLocationThatHolds } from "../../src/discovery/choose.js";
import { parseRepositoryUrl } from "../../src/discovery/repo-url.js";
import type { ResolvedSource, SourceLocation } from "../../src/discovery/types.js";

const at = (path: string, role: string): SourceLocation => ({
  repository: parseRepositoryUrl("acme/values"),
  installationId: 1,
  revision: { kind: "branch", value: "main" },
  path,
  format: "helm-values",
  role,
});

const source: ResolvedSource = {
  origin: "argocd",
  decidedBy: "Argo CD Application argocd/checkout (tracking-id)",
  locations: [
    at("envs/prod/values.yaml", "Helm value file 2 of 2"),
    at("envs/base/values.yaml", "Helm value file 1 of 2"),
  ],
  explanation: "",
  warnings: [],
};

describe("trying the locations in order", () => {
  it("the winning value file is used when it holds the workload", async () => {
    const tried: string[] = [];
    const r = await firstLocationThatHolds(source, (l) => {
      tried.push(l.path);
      return { ok: true as const, file: l.path };
    });
    expect(r).toMatchObject({ ok: true, value: { file: "envs/prod/values.yaml" } });
    expect(tried).toEqual(["envs/prod/values.yaml"]);
  });

  it("falls back to the earlier file when the later one does not hold the block", async () => {
    const r = await firstLocationThatHolds(source, async (l) =>
      l.path.includes("prod")
        ? { ok: false, reason: "no block for checkout" }
        : { ok: true as const, file: l.path },
    );
    expect(r).toMatchObject({ ok: true, location: { path: "envs/base/values.yaml" } });
  });

  it("when no location holds it, every place tried is named with its reason", async () => {
    const r = await firstLocationThatHolds(source, (l) => ({ ok: false, reason: `nothing in ${l.path}` }));
    expect(r).toEqual({
      ok: false,
      reason:
        "none of the places Argo CD Application argocd/checkout (tracking-id) reads holds the workload: acme/values envs/prod/values.yaml (Helm value file 2 of 2): nothing in envs/prod/values.yaml; acme/values envs/base/values.yaml (Helm value file 1 of 2): nothing in envs/base/values.yaml",
    });
  });
});

import { describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { affectedPolicies } from "../../src/gitops/push.js";
import { SPEC } from "./recommendation.js";

function policy(name: string, source?: CostOptimization["spec"]["source"]): CostOptimization {
  return {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name, namespace: "shop" },
    spec: { ...SPEC, source },
  };
}

describe("policies affected by a push", () => {
  const policies = [
    policy("anywhere"),
    policy("web", { path: "apps/web/" }),
    policy("api", { path: "./apps/api" }),
    policy("elsewhere", { repository: "acme/other", path: "apps/web" }),
  ];

  it("are those whose source path covers a changed file, plus those without a path", () => {
    const names = (paths: string[]) =>
      affectedPolicies(policies, "Acme/Deploy", paths).map((p) => p.metadata.name);
    expect(names(["apps/web/deployment.yaml"])).toEqual(["anywhere", "web"]);
    expect(names(["apps/api/values.yaml", "apps/webhooks/x.yaml"])).toEqual(["anywhere", "api"]);
    expect(names([])).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { FLUX_HELMCHARTS, FLUX_OCIREPOSITORIES } from "../../src/discovery/chart-artifact.js";
import { DISCOVERY_RBAC_RULES } from "../../src/discovery/rbac.js";
import {
  ARGO_APPLICATIONS,
  FLUX_ARTIFACTGENERATORS,
  FLUX_EXTERNALARTIFACTS,
  FLUX_GITREPOSITORIES,
  FLUX_HELMRELEASES,
  FLUX_KUSTOMIZATIONS,
} from "../../src/discovery/reader.js";

describe("RBAC for discovery", () => {
  it("grants read access, and only read access, to every kind discovery reads", () => {
    for (const r of [
      ARGO_APPLICATIONS,
      FLUX_KUSTOMIZATIONS,
      FLUX_HELMRELEASES,
      FLUX_GITREPOSITORIES,
      FLUX_HELMCHARTS,
      FLUX_OCIREPOSITORIES,
      FLUX_EXTERNALARTIFACTS,
      FLUX_ARTIFACTGENERATORS,
    ]) {
      const rule = DISCOVERY_RBAC_RULES.find(
        (x) => x.apiGroups.includes(r.group) && x.resources.includes(r.plural),
      );
      expect(rule?.verbs, `${r.plural}.${r.group}`).toEqual(["get", "list", "watch"]);
    }
    expect(
      DISCOVERY_RBAC_RULES.flatMap((r) => r.verbs).every((v) => ["get", "list", "watch"].includes(v)),
    ).toBe(true);
  });
});

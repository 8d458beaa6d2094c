// One pass over real layouts: the cluster picks its root, the pull request edits that root's own
// layer, and its body says where the change lands and what each value is now; the live-to-manifest
// container mapping is applied exactly once between usage and the manifests.

import { describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import { LocalForge } from "../../src/forge/local/index.js";
import type { UsageSource } from "../../src/metrics/types.js";
import type { Recommender } from "../../src/recommend/recommender.js";
import { reconcile } from "../../src/reconcile.js";
import { MemoryStore } from "../../src/state/memory.js";
import { makeRepo, sh } from "../forge/local-repo.js";
import { originalFiles } from "../manifests/cases.js";
import { NOW, spec, usageFrom } from "../recommend/fixtures.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { deploymentYaml } from "../support/workloads.js";
import { recommendation, SPEC } from "./recommendation.js";

const Mi = 2 ** 20;
const noUsage: UsageSource = { description: "test", usage: async () => new Map() };

function repoOf(caseName: string): string {
  return makeRepo(Object.fromEntries(originalFiles(caseName).map((f) => [f.path, f.content])));
}

describe("a Flux HelmRelease shared by two clusters", () => {
  const policy: CostOptimization = {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name: "podinfo-cost", namespace: "podinfo" },
    spec: { ...SPEC, targetWorkload: { kind: "Deployment", namespace: "podinfo", name: "podinfo" } },
  };
  // The base (shared with staging) requests 500m and 256Mi; production patches other values.
  const stub: Recommender = {
    name: "stub",
    recommend: async () =>
      recommendation({
        target: { namespace: "podinfo", kind: "Deployment", name: "podinfo" },
        containers: [
          {
            ...recommendation().containers[0],
            name: "podinfo",
            current: { cpuRequest: 500, memoryRequest: 256 * Mi },
            proposed: { cpuRequest: 250, memoryRequest: 192 * Mi },
          } as ReturnType<typeof recommendation>["containers"][number],
        ],
        replicas: undefined,
      }),
  };

  async function pass(caseName: string, clusterName: string) {
    const dir = repoOf(caseName);
    const result = await reconcile(policy, {
      forge: new LocalForge({ dir }),
      metadataKey: TEST_KEY,
      store: new MemoryStore(),
      usage: noUsage,
      recommender: stub,
      clusterName,
      now: () => new Date("2026-11-26T06:00:00Z"),
    });
    return { dir, result };
  }

  it("edits production's values patch only, and the body shows the base's values as current", async () => {
    const { dir, result } = await pass("flux-example-base-sets-resources", "production");
    expect(result.proposal?.action, result.message).toBe("created");
    const branch = "costopt/production/podinfo/podinfo-cost";
    expect(sh(dir, "diff", "--name-only", "main", branch)).toBe("apps/production/podinfo-values.yaml");
    const body = result.proposal?.body ?? "";
    expect(body).toContain(
      "The new values are written to `apps/production/podinfo-values.yaml`, the layer that decides them for this deployment.",
    );
    expect(body).toContain(
      "| `podinfo` CPU request | 500m | base apps/base/podinfo/release.yaml | patch apps/production/podinfo-values.yaml (from apps/production/kustomization.yaml) |",
    );
    expect(body).toContain("| `podinfo` memory request | 256Mi | base apps/base/podinfo/release.yaml |");
  });

  it("without resources anywhere, the body says nothing sets them yet", async () => {
    const { dir, result } = await pass("flux-example-cluster-production", "staging");
    expect(result.proposal?.action, result.message).toBe("created");
    expect(sh(dir, "diff", "--name-only", "main", "costopt/staging/podinfo/podinfo-cost")).toBe(
      "apps/staging/podinfo-values.yaml",
    );
    expect(result.proposal?.body).toContain("| `podinfo` CPU request | not set | nowhere (default) |");
  });
});

describe("source.containerMapping", () => {
  const manifest = deploymentYaml({
    replicas: 3,
    containers: [
      { name: "app", requests: { cpu: '"1"' } },
      { name: "proxy", requests: { cpu: "100m" } },
    ],
  });

  it("matches the live container to its manifest name once: the mapped container is the one edited", async () => {
    const dir = makeRepo({ "apps/web.yaml": manifest });
    // Metrics know the container as api-server; the manifest calls it app.
    const usage = usageFrom({ cpu: () => 200, container: "api-server" });
    const source: UsageSource = {
      description: "fixture",
      usage: async () => new Map([["shop/Deployment/web", usage]]),
    };
    const policy: CostOptimization = {
      apiVersion: "costopt.dev/v1",
      kind: "CostOptimization",
      metadata: { name: "web-cost", namespace: "shop" },
      spec: spec({
        targetWorkload: { kind: "Deployment", namespace: "shop", name: "web" },
        source: { containerMapping: { "api-server": "app" } },
      }),
    };
    const result = await reconcile(policy, {
      forge: new LocalForge({ dir }),
      metadataKey: TEST_KEY,
      store: new MemoryStore(),
      usage: source,
      now: () => NOW,
    });
    expect(result.proposal?.action, result.message).toBe("created");
    const app = result.recommendation?.containers.find((c) => c.name === "app");
    expect(app?.evidence?.samples).toBeGreaterThan(0);
    expect(app?.proposed.cpuRequest).toBeLessThan(1000);
    const diff = sh(dir, "diff", "main", "costopt/shop/web-cost", "--", "apps/web.yaml");
    expect(diff.split("\n").filter((l) => /^[-+] /.test(l))).toEqual([
      '-              cpu: "1"',
      expect.stringMatching(/^\+ {14}cpu: "\d+m"$/),
    ]);
  });
});

describe("a chart only the cluster has", () => {
  const release = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: shop
spec:
  chart:
    spec:
      chart: web
      sourceRef:
        kind: HelmRepository
        name: charts
  values:
    server:
      replicas: 2
`;
  const chart = {
    dir: "",
    name: "web",
    valuesFiles: [],
    templates: [
      // A Helm template, not a manifest, so not deploymentYaml.
      {
        path: "templates/deployment.yaml",
        content:
          "kind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n        - resources: {{ toYaml .Values.server.resources }}\n",
      },
    ],
  };

  it("asks for helm-controller's HelmChart and writes where its templates read resources", async () => {
    const dir = makeRepo({ "apps/web.yaml": release });
    const asked: string[] = [];
    const result = await reconcile(
      {
        apiVersion: "costopt.dev/v1",
        kind: "CostOptimization",
        metadata: { name: "web-cost", namespace: "shop" },
        spec: SPEC,
      },
      {
        forge: new LocalForge({ dir }),
        metadataKey: TEST_KEY,
        store: new MemoryStore(),
        usage: noUsage,
        recommender: {
          name: "stub",
          recommend: async () =>
            recommendation({
              containers: [
                {
                  ...(recommendation().containers[0] as ReturnType<
                    typeof recommendation
                  >["containers"][number]),
                  current: {},
                  proposed: { cpuRequest: 250 },
                },
              ],
              replicas: undefined,
            }),
        },
        charts: async (needs) => {
          asked.push(...needs.map((n) => n.key));
          return new Map(
            needs.map((n) => [n.key, { ok: true as const, chart, from: `the chart artifact of ${n.key}` }]),
          );
        },
        now: () => new Date("2026-11-26T06:00:00Z"),
      },
    );
    expect(asked).toEqual(["HelmChart/shop/shop-web"]);
    expect(result.proposal?.action, result.message).toBe("created");
    const diff = sh(dir, "diff", "main", "costopt/shop/web-cost", "--", "apps/web.yaml");
    expect(diff.split("\n").filter((l) => /^[-+] /.test(l))).toEqual([
      "+      resources:",
      "+        requests:",
      "+          cpu: 250m",
    ]);
  });
});

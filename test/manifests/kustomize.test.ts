// How locateWorkload reads Kustomize layers: which layer sets a value, under which name and
// namespace a base document comes out, and where an edit goes.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { indexRepository, type Located, locateWorkload, planChanges } from "../../src/manifests/index.js";
import { deploymentYaml } from "../support/workloads.js";
import { CASES } from "./cases.js";
import { loadTree } from "./helpers.js";

// Written out, not deploymentYaml: its Deployment labels (tier) are what the labelSelector patches below match.
const base = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api, tier: backend}
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: app
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
`;

const tree = {
  "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
  "base/deployment.yaml": base,
  "components/big/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patchesStrategicMerge:
- big.yaml
`,
  "components/big/big.yaml": deploymentYaml({
    name: "api",
    namespace: null,
    indentlessSequences: true,
    requests: { memory: "1Gi" },
  }),
  "overlays/eu/kustomization.yaml": `bases:
- ../../base
components:
- ../../components/big
nameSuffix: -eu
namespace: eu
patchesStrategicMerge:
- |-
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: api
  spec:
    replicas: 5
`,
  "overlays/us/kustomization.yaml": "resources:\n- ../../base\nnamespace: us\n",
};

function files(extra: Record<string, string> = {}) {
  return Object.entries({ ...tree, ...extra }).map(([path, content]) => ({ path, content }));
}

function located(target: { namespace?: string; name: string }, extra?: Record<string, string>): Located {
  const result = locateWorkload(indexRepository(files(extra)), { kind: "Deployment", ...target });
  if (!result.ok) throw new Error(result.reason);
  return result;
}

describe("Kustomize layers", () => {
  it("applies nameSuffix and namespace, a component's patch and an inline strategic-merge patch", () => {
    const eu = located({ namespace: "eu", name: "api-eu" });
    expect(eu.target).toEqual({ kind: "Deployment", name: "api-eu", namespace: "eu" });
    expect(eu.source).toBe("kustomize");
    expect(eu.labels).toEqual({ app: "api", tier: "backend" });
    const app = eu.containers[0];
    expect(app).toMatchObject({ name: "app", cpuRequest: 100, memoryRequest: 2 ** 30 });
    // memory comes from the component's patch file; CPU only from the shared base.
    expect(app?.sites.memoryRequest[0]).toMatchObject({
      file: "components/big/big.yaml",
      path: "/spec/template/spec/containers/0/resources/requests/memory",
      raw: "1Gi",
    });
    expect(app?.sites.cpuRequest[0]).toMatchObject({ file: "components/big/big.yaml", exists: false });
    // replicas are set in an inline patch: the site points inside the patch string.
    expect(eu.replicas).toMatchObject({ current: 5, explicit: true });
    expect(eu.replicas.sites[0]).toMatchObject({
      file: "overlays/eu/kustomization.yaml",
      inline: { path: "/patchesStrategicMerge/0" },
      path: "/spec/replicas",
    });
    expect(eu.notes[0]).toMatch(/base\/deployment\.yaml is shared by 2 kustomizations/);
  });

  it("a component other overlays also use is left alone: the change goes into this overlay", () => {
    const shared = {
      "overlays/us/kustomization.yaml":
        "resources:\n- ../../base\nnamespace: us\ncomponents:\n- ../../components/big\n",
    };
    const us = located({ namespace: "us", name: "api" }, shared);
    expect(us.containers[0]).toMatchObject({ memoryRequest: 2 ** 30 });
    expect(us.containers[0]?.sites.memoryRequest[0]).toMatchObject({
      file: "overlays/us/costopt-deployment-api.yaml",
      exists: false,
    });
  });

  it("an overlay that sets nothing gets its own patch when the base is shared", () => {
    const us = located({ namespace: "us", name: "api" });
    expect(us.containers[0]?.sites.cpuRequest[0]).toMatchObject({
      file: "overlays/us/costopt-deployment-api.yaml",
      exists: false,
      create: { kustomization: "overlays/us/kustomization.yaml" },
    });
    expect(us.replicas.sites[0]?.file).toBe("overlays/us/costopt-deployment-api.yaml");
  });

  it("edits the base when only one kustomization uses it", () => {
    const only = files().filter((f) => !f.path.startsWith("overlays/eu"));
    const index = indexRepository(only);
    const us = locateWorkload(index, { kind: "Deployment", namespace: "us", name: "api" });
    if (!us.ok) throw new Error(us.reason);
    expect(us.containers[0]?.sites.cpuRequest[0]?.file).toBe("base/deployment.yaml");
    const plan = planChanges(index, us, { containers: [{ name: "app", cpuRequest: 80 }], replicas: 3 });
    expect(plan.ok && plan.edits.map((e) => e.path)).toEqual(["base/deployment.yaml"]);
  });

  it("a base named by source.path is deployed on its own, but nothing the overlays also render changes for it alone", () => {
    const index = indexRepository(files());
    const api = locateWorkload(index, { kind: "Deployment", name: "api" }, { path: "base" });
    if (!api.ok) throw new Error(api.reason);
    const schedule = planChanges(index, api, {
      files: [{ path: "api-schedule.yaml", content: "kind: ScaledObject\n" }],
    });
    expect(schedule.ok || schedule.reason).toBe(
      "new file api-schedule.yaml: a new file listed in base/kustomization.yaml would also be applied by overlays/eu/kustomization.yaml, overlays/us/kustomization.yaml, which the policy does not target",
    );
    const cpu = planChanges(index, api, { containers: [{ name: "app", cpuRequest: 80 }] });
    expect(cpu.ok || cpu.reason).toMatch(
      /^Deployment api renders from base\/deployment\.yaml, which base\/kustomization\.yaml shares with overlays\/eu\/kustomization\.yaml, overlays\/us\/kustomization\.yaml \(roots the policy does not target\)/,
    );
  });

  it("writes a new file into a base deployed on its own when no overlay includes it", () => {
    const only = files().filter((f) => !f.path.startsWith("overlays/"));
    const index = indexRepository(only);
    const api = locateWorkload(index, { kind: "Deployment", name: "api" }, { path: "base" });
    if (!api.ok) throw new Error(api.reason);
    const plan = planChanges(index, api, {
      files: [{ path: "api-schedule.yaml", content: "kind: ScaledObject\n" }],
    });
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.edits.map((e) => [e.path, e.after])).toEqual([
      ["base/api-schedule.yaml", "kind: ScaledObject\n"],
      ["base/kustomization.yaml", "resources:\n- deployment.yaml\n- api-schedule.yaml\n"],
    ]);
  });

  it("finds an HPA that targets the workload by its rendered name", () => {
    const hpa = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: eu
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api-eu}
  minReplicas: 3
  maxReplicas: 9
`;
    const eu = located({ namespace: "eu", name: "api-eu" }, { "overlays/eu/hpa.yaml": hpa });
    expect(eu.replicas).toMatchObject({
      ownedByHpa: true,
      hpa: { file: "overlays/eu/hpa.yaml", maxReplicas: 9 },
    });
  });

  it("does not confuse a patch file with a workload, nor find the base under its base name in an overlay namespace", () => {
    const index = indexRepository(files());
    expect(locateWorkload(index, { kind: "Deployment", namespace: "eu", name: "api" })).toMatchObject({
      ok: false,
    });
    const refused = locateWorkload(index, { kind: "Deployment", name: "api" }, { path: "components" });
    expect(refused).toMatchObject({ ok: false });
  });

  it("edits inline patches in place: the patch text changes on its own lines, nothing else moves", () => {
    const kustomization = `resources:
- ../../base
patches:
- target: {kind: Deployment, name: api}
  patch: |-
    - op: replace
      path: /spec/template/spec/containers/0/resources/requests/cpu
      value: 300m
`;
    const index = indexRepository(files({ "overlays/us/kustomization.yaml": kustomization }));
    const us = locateWorkload(index, { kind: "Deployment", namespace: "us", name: "api" });
    if (!us.ok) throw new Error(us.reason);
    expect(us.containers[0]?.cpuRequest).toBe(300);
    const plan = planChanges(index, us, { containers: [{ name: "app", cpuRequest: 50 }] });
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.edits.map((e) => [e.path, e.after])).toEqual([
      ["overlays/us/kustomization.yaml", kustomization.replace("value: 300m", "value: 50m")],
    ]);
  });
});

describe("Kustomize details", () => {
  it("adds commonLabels to the workload's labels and matches patches by label selector", () => {
    const overlay = `resources:
- ../../base
namespace: us
commonLabels:
  env: us
patches:
- target: {kind: Deployment, labelSelector: "tier=backend"}
  path: cpu.yaml
- target: {kind: Deployment, labelSelector: "tier=frontend"}
  path: other.yaml
`;
    const op = (v: string) =>
      `- op: replace\n  path: /spec/template/spec/containers/0/resources/requests/cpu\n  value: ${v}\n`;
    const us = located(
      { namespace: "us", name: "api" },
      {
        "overlays/us/kustomization.yaml": overlay,
        "overlays/us/cpu.yaml": op("400m"),
        "overlays/us/other.yaml": op("9"),
      },
    );
    expect(us.labels).toEqual({ app: "api", tier: "backend", env: "us" });
    expect(us.containers[0]).toMatchObject({ cpuRequest: 400 });
    expect(us.containers[0]?.sites.cpuRequest[0]).toMatchObject({
      file: "overlays/us/cpu.yaml",
      path: "/0/value",
    });
  });

  it("reports containers under their manifest names: source.containerMapping is not applied here", () => {
    const index = indexRepository(files());
    const result = locateWorkload(
      index,
      { kind: "Deployment", namespace: "us", name: "api" },
      { containerMapping: { "api-server": "app" } },
    );
    expect(result.ok && result.containers.map((c) => c.name)).toEqual(["app"]);
    if (!result.ok) return;
    const plan = planChanges(index, result, { containers: [{ name: "app", cpuRequest: 90 }] });
    expect(plan.ok && plan.edits[0]?.after).toContain(
      "      containers:\n        - name: app\n          resources:\n            requests:\n              cpu: 90m\n",
    );
  });
});

describe("a HorizontalPodAutoscaler across Kustomize layers", () => {
  // base: Deployment api + HPA api (min 2, max 10); prod patches the HPA (min 6, max 20); staging does not.
  const index = indexRepository(loadTree(join(CASES, "kustomize-hpa-min-replicas/original")));
  const locate = (namespace: string, name: string) => {
    const l = locateWorkload(index, { kind: "Deployment", namespace, name });
    if (!l.ok) throw new Error(l.reason);
    return l;
  };

  it("reads the bounds the overlay sets, and edits minReplicas in the overlay's HPA patch", () => {
    const prod = locate("prod", "prod-api");
    expect(prod.replicas).toMatchObject({
      ownedByHpa: true,
      hpa: { name: "prod-api", file: "base/hpa.yaml", minReplicas: 6, maxReplicas: 20 },
    });
    expect(prod.replicas.hpa?.minReplicasSites).toMatchObject([
      { file: "overlays/prod/hpa.yaml", path: "/spec/minReplicas", raw: 6 },
    ]);
  });

  it("adds an HPA patch to an overlay that shares the base, leaving the base HPA alone", () => {
    const staging = locate("staging", "api");
    expect(staging.replicas.hpa).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    const plan = planChanges(index, staging, { hpaMinReplicas: 3 });
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.edits.map((e) => [e.path, e.after])).toEqual([
      [
        "overlays/staging/costopt-horizontalpodautoscaler-api.yaml",
        "# Added by costopt: overrides for this overlay only, so the shared base stays as it is.\n" +
          "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: api\nspec:\n  minReplicas: 3\n",
      ],
      [
        "overlays/staging/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: staging\nresources:\n- ../../base\n" +
          "patches:\n- path: costopt-horizontalpodautoscaler-api.yaml\n",
      ],
    ]);
  });

  it("never proposes a minReplicas above the HPA's maxReplicas", () => {
    expect(planChanges(index, locate("staging", "api"), { hpaMinReplicas: 11 })).toEqual({
      ok: false,
      reason:
        "minReplicas 11 would exceed maxReplicas 10 of the HorizontalPodAutoscaler api (base/hpa.yaml); not proposed",
    });
  });
});

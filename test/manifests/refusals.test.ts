// Every way costopt declines to edit, each with a reason a reviewer can act on.

import { describe, expect, it } from "vitest";
import {
  type Desired,
  indexRepository,
  locateWorkload,
  planChanges,
  type RepoFile,
  type Target,
} from "../../src/manifests/index.js";
import { deploymentYaml } from "../support/workloads.js";

const web = (extra = "", cpu = "100m") => deploymentYaml({ replicas: 2, requests: { cpu } }) + extra;

const TARGET: Target = { kind: "Deployment", namespace: "shop", name: "web" };
const CPU: Desired = { containers: [{ name: "app", cpuRequest: 50 }] };

function plan(files: RepoFile[], desired: Desired = CPU, target: Target = TARGET, source = {}) {
  const index = indexRepository(files, { repository: "acme/deploy", branch: "main" });
  return planChanges(index, locateWorkload(index, target, source), desired);
}

function reasonOf(result: { ok: boolean; reason?: string }): string {
  expect(result.ok).toBe(false);
  return result.reason ?? "";
}

describe("refusals", () => {
  it("a Helm template at the edit site", () => {
    const files = [{ path: "web.yaml", content: web("", '"{{ .Values.cpu }}"') }];
    expect(reasonOf(plan(files))).toBe(
      "Helm template ({{ .Values.cpu }}) at web.yaml, document 1, field /spec/template/spec/containers/0/resources/requests/cpu",
    );
  });

  it("an anchor at the edit site", () => {
    const files = [{ path: "web.yaml", content: web().replace("requests:", "requests: &r") }];
    expect(reasonOf(plan(files))).toMatch(
      /^web\.yaml, document 1, field \/spec\/template\/spec\/containers\/0\/resources\/requests: anchor &r/,
    );
  });

  it("replicas owned by a HorizontalPodAutoscaler (CPU can still change)", () => {
    const hpa = `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web-hpa
  namespace: shop
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
`;
    const files = [{ path: "web.yaml", content: web(hpa) }];
    const index = indexRepository(files);
    const located = locateWorkload(index, TARGET);
    expect(located.ok && located.replicas).toMatchObject({
      current: 2,
      ownedByHpa: true,
      hpa: { name: "web-hpa", minReplicas: 2, maxReplicas: 10 },
    });
    expect(reasonOf(plan(files, { replicas: 3 }))).toBe(
      "replicas of Deployment web are owned by the HorizontalPodAutoscaler web-hpa (web.yaml); change its bounds instead",
    );
    expect(plan(files).ok).toBe(true);
    // The HPA's own floor is what changes, within its maxReplicas.
    const floor = plan(files, { hpaMinReplicas: 4 });
    expect(floor.ok && floor.edits[0]?.after).toBe(web(hpa).replace("minReplicas: 2", "minReplicas: 4"));
    expect(reasonOf(plan(files, { hpaMinReplicas: 12 }))).toBe(
      "minReplicas 12 would exceed maxReplicas 10 of the HorizontalPodAutoscaler web-hpa (web.yaml); not proposed",
    );
  });

  it("an HPA floor for a workload no HPA in the repository targets", () => {
    const files = [{ path: "web.yaml", content: web() }];
    expect(reasonOf(plan(files, { hpaMinReplicas: 2 }))).toBe(
      "no HorizontalPodAutoscaler targeting Deployment web is in the repository (a Helm template may create it); its minReplicas cannot be proposed",
    );
  });

  it("a target defined in several places with conflicting values", () => {
    const files = [
      { path: "a/web.yaml", content: web() },
      { path: "b/web.yaml", content: web("", "200m") },
    ];
    expect(reasonOf(plan(files))).toBe(
      "Deployment shop/web is defined in 2 places with conflicting values (a/web.yaml (a/web.yaml); b/web.yaml (b/web.yaml)); set the policy's source.path to choose one",
    );
    // source.path picks one, and only that one is edited.
    const picked = plan(files, CPU, TARGET, { path: "b" });
    expect(picked.ok && picked.edits.map((e) => e.path)).toEqual(["b/web.yaml"]);
  });

  it.each([
    ["../other-repo", /leaves the repository/],
    ["/etc/kubernetes", /leaves the repository/],
    ["apps/../../x", /leaves the repository/],
    ["linked/web.yaml", /runs through the symbolic link linked/],
  ])("a source.path that leaves the repository: %s", (path, reason) => {
    const files = [
      { path: "web.yaml", content: web() },
      { path: "linked", content: "/tmp", symlink: true },
    ];
    expect(reasonOf(plan(files, CPU, TARGET, { path }))).toMatch(reason);
  });

  it("a source naming another repository or branch", () => {
    const files = [{ path: "web.yaml", content: web() }];
    expect(reasonOf(plan(files, CPU, TARGET, { repository: "acme/other" }))).toBe(
      "source.repository is acme/other but the index holds acme/deploy",
    );
    expect(reasonOf(plan(files, CPU, TARGET, { branch: "prod" }))).toBe(
      "source.branch is prod but the index holds branch main",
    );
  });

  it("but accepts this repository named in another letter case (GitHub names are case-insensitive)", () => {
    const files = [{ path: "web.yaml", content: web() }];
    expect(plan(files, CPU, TARGET, { repository: "Acme/Deploy" }).ok).toBe(true);
    expect(plan(files, CPU, TARGET, { repository: "ACME/deploy", branch: "main" }).ok).toBe(true);
  });

  it("a source.format that rules the files out", () => {
    const files = [{ path: "web.yaml", content: web() }];
    expect(reasonOf(plan(files, CPU, TARGET, { format: "kustomize" }))).toBe(
      "Deployment shop/web was not found in the repository (format kustomize)",
    );
  });

  it("an unknown container", () => {
    const files = [{ path: "web.yaml", content: web() }];
    expect(reasonOf(plan(files, { containers: [{ name: "sidecar", cpuRequest: 1 }, { name: "app" }] }))).toBe(
      "container sidecar is not in Deployment web (containers: app)",
    );
  });

  it("ambiguous Helm values blocks", () => {
    const files = [
      { path: "c/Chart.yaml", content: "apiVersion: v2\nname: c\nversion: 1.0.0\n" },
      {
        path: "c/values.yaml",
        content: "a:\n  name: web\n  resources: {}\nb:\n  name: web\n  resources: {}\n",
      },
    ];
    expect(reasonOf(plan(files))).toBe(
      'Deployment web matches 2 Helm values blocks (c/values.yaml /a by name: web; c/values.yaml /b by name: web); set source.path to one root, or source.valuesPath, or add a "# costopt: <namespace>/<name>" marker to one',
    );
    // Either disambiguation works.
    expect(plan(files, CPU, TARGET, { valuesPath: "b" }).ok).toBe(true);
    const marked = [
      files[0] as RepoFile,
      {
        path: "c/values.yaml",
        content: files[1]?.content.replace(
          "b:\n  name: web\n",
          "b:\n  name: web\n  # costopt: shop/web\n",
        ) as string,
      },
    ];
    const result = plan(marked);
    if (!result.ok) throw new Error(result.reason);
    expect(result.edits[0]?.after).toContain(
      "b:\n  name: web\n  # costopt: shop/web\n  resources:\n    requests:\n      cpu: 50m\n",
    );
  });

  it("Helm replicas when the values block has no replica key, and when autoscaling is on", () => {
    const chart = { path: "c/Chart.yaml", content: "apiVersion: v2\nname: c\nversion: 1.0.0\n" };
    const noKey = [chart, { path: "c/values.yaml", content: "name: web\nresources: {}\n" }];
    expect(reasonOf(plan(noKey, { replicas: 2 }))).toMatch(
      /sets no replicaCount or replicas; the chart decides/,
    );
    const hpa = [
      chart,
      {
        path: "c/values.yaml",
        content: "name: web\nreplicaCount: 2\nautoscaling:\n  enabled: true\nresources: {}\n",
      },
    ];
    expect(reasonOf(plan(hpa, { replicas: 3 }))).toMatch(/owned by an autoscaler \(autoscaling.enabled\)/);
  });

  it("new files stay inside the repository and never overwrite", () => {
    const files = [
      { path: "apps/web.yaml", content: web() },
      { path: "apps/keep.yaml", content: "a: 1\n" },
    ];
    const ok = plan(files, { files: [{ path: "scaling/web-cron.yaml", content: "kind: CronJob\n" }] });
    expect(ok.ok && ok.edits).toEqual([
      {
        path: "apps/scaling/web-cron.yaml",
        before: "",
        after: "kind: CronJob\n",
        created: true,
        operations: [],
      },
    ]);
    expect(reasonOf(plan(files, { files: [{ path: "../../x.yaml", content: "" }] }))).toBe(
      "new file ../../x.yaml would leave the repository",
    );
    expect(reasonOf(plan(files, { files: [{ path: "keep.yaml", content: "b: 2\n" }] }))).toBe(
      "apps/keep.yaml already exists; not overwritten",
    );
  });

  it("replicas for a DaemonSet", () => {
    const files = [
      {
        path: "ds.yaml",
        content: web().replace("kind: Deployment", "kind: DaemonSet").replace("  replicas: 2\n", ""),
      },
    ];
    expect(reasonOf(plan(files, { replicas: 2 }, { ...TARGET, kind: "DaemonSet" }))).toBe(
      "a DaemonSet runs one pod per node; it has no replicas to set",
    );
  });

  it("a refused locate passes through planChanges unchanged", () => {
    const index = indexRepository([]);
    const refused = locateWorkload(index, TARGET);
    expect(planChanges(index, refused, CPU)).toBe(refused);
  });
});

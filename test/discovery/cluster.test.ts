// The resolver's decisions over plain objects (a Map stands in for the cluster): chains that
// need more than one object, and sources that cannot be edited through Git.

import { describe, expect, it } from "vitest";
import { ClusterSources } from "../../src/discovery/cluster.js";
import type { LiveObject } from "../../src/discovery/live.js";
import type { ClusterReader } from "../../src/discovery/reader.js";
import { fluxRevision } from "../../src/discovery/revision.js";

function objects(...items: LiveObject[]): ClusterReader {
  const byKey = new Map(items.map((o) => [`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, o]));
  const kinds: Record<string, string> = {
    applications: "Application",
    kustomizations: "Kustomization",
    helmreleases: "HelmRelease",
    gitrepositories: "GitRepository",
  };
  return { get: async (r, ns, name) => byKey.get(`${kinds[r.plural]}/${ns}/${name}`) };
}

const obj = (kind: string, ns: string, name: string, rest: Partial<LiveObject> = {}): LiveObject => ({
  kind,
  ...rest,
  metadata: { name, namespace: ns, ...rest.metadata },
});

const gitRepo = (url: string, ref?: Record<string, string>) =>
  obj("GitRepository", "flux-system", "fleet", { spec: { url, ...(ref ? { ref } : {}) } });

const fluxManaged = (name: string) => ({
  labels: {
    "kustomize.toolkit.fluxcd.io/name": name,
    "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
  },
});

describe("chains of GitOps objects", () => {
  it("inline Helm values of an Application in an app-of-apps: the parent's folder comes first", async () => {
    const child = obj("Application", "argocd", "web", {
      metadata: {
        name: "web",
        annotations: { "argocd.argoproj.io/tracking-id": "apps:argoproj.io/Application:argocd/web" },
      },
      spec: {
        source: {
          repoURL: "https://github.com/acme/deploy",
          path: "charts/web",
          helm: { valueFiles: ["values-prod.yaml"], valuesObject: { resources: { requests: { cpu: "1" } } } },
        },
      },
    });
    const parent = obj("Application", "argocd", "apps", {
      spec: {
        source: { repoURL: "https://github.com/acme/gitops", targetRevision: "main", path: "argocd/apps" },
      },
    });
    const live = obj("Deployment", "shop", "web", {
      metadata: {
        name: "web",
        annotations: { "argocd.argoproj.io/tracking-id": "web:apps/Deployment:shop/web" },
      },
    });
    const found = await new ClusterSources(objects(child, parent), ["argocd"]).sourceOf(live);
    expect(
      found.found && "locations" in found && found.locations.map((l) => [l.repoURL, l.path, l.role]),
    ).toEqual([
      [
        "https://github.com/acme/gitops",
        "argocd/apps",
        "helm.valuesObject of Application argocd/web, defined by Argo CD Application argocd/apps (tracking-id)",
      ],
      ["https://github.com/acme/deploy", "charts/web/values-prod.yaml", "Helm value file 1 of 1 (source)"],
    ]);
  });

  it("a self-managed Application is not its own parent", async () => {
    const self = obj("Application", "argocd", "web", {
      metadata: {
        name: "web",
        annotations: { "argocd.argoproj.io/tracking-id": "web:argoproj.io/Application:argocd/web" },
      },
      spec: { source: { repoURL: "https://charts.acme.io", chart: "web", helm: { valuesObject: { a: 1 } } } },
    });
    const live = obj("Deployment", "shop", "web", {
      metadata: { name: "web", labels: { "app.kubernetes.io/instance": "web" } },
    });
    const found = await new ClusterSources(objects(self), ["argocd"]).sourceOf(live);
    expect(found).toEqual({
      found: true,
      origin: "argocd",
      decidedBy: "Argo CD Application argocd/web (instance label)",
      unusable:
        "Argo CD Application argocd/web keeps its Helm values inline, and no Argo CD Application or Flux Kustomization applies it from Git: set spec.source on the policy",
    });
  });

  it("a HelmRelease whose chart is in Git and that nothing applies from Git: the chart's value files", async () => {
    const hr = obj("HelmRelease", "web", "web", {
      spec: {
        chart: {
          spec: {
            chart: "./charts/web",
            sourceRef: { kind: "GitRepository", name: "fleet", namespace: "flux-system" },
            valuesFiles: ["charts/web/values.yaml", "charts/web/values-prod.yaml"],
          },
        },
      },
    });
    const live = obj("Deployment", "web", "web", {
      metadata: {
        name: "web",
        labels: { "helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": "web" },
      },
    });
    const found = await new ClusterSources(
      objects(hr, gitRepo("https://github.com/acme/fleet", { tag: "v2.0.0" })),
      [],
    ).sourceOf(live);
    expect(
      found.found && "locations" in found && found.locations.map((l) => [l.path, l.revision, l.role]),
    ).toEqual([
      ["charts/web/values-prod.yaml", { kind: "tag", value: "v2.0.0" }, "chart value file 2 of 2"],
      ["charts/web/values.yaml", { kind: "tag", value: "v2.0.0" }, "chart value file 1 of 2"],
    ]);
  });

  it("a HelmRelease with a packaged chart that nothing applies from Git: nothing to edit, and why", async () => {
    const hr = obj("HelmRelease", "web", "web", {
      spec: {
        chart: { spec: { chart: "web", sourceRef: { kind: "HelmRepository", name: "acme" } } },
        values: { a: 1 },
      },
    });
    const live = obj("Deployment", "web", "web", {
      metadata: { name: "web", labels: { "helm.toolkit.fluxcd.io/name": "web" } },
    });
    const found = await new ClusterSources(objects(hr), []).sourceOf(live);
    expect(found).toMatchObject({
      unusable:
        "Flux HelmRelease web/web is not applied from Git by a Flux Kustomization or an Argo CD Application, and its chart comes from HelmRepository/acme: nothing in Git to edit; set spec.source on the policy",
    });
  });

  it("a Kustomization reading an OCIRepository: not Git, and the message says so", async () => {
    const ks = obj("Kustomization", "flux-system", "apps", {
      spec: { path: "./", sourceRef: { kind: "OCIRepository", name: "manifests" } },
    });
    const live = obj("Deployment", "shop", "web", { metadata: { name: "web", ...fluxManaged("apps") } });
    expect(await new ClusterSources(objects(ks), []).sourceOf(live)).toMatchObject({
      unusable:
        "Flux Kustomization flux-system/apps reads from OCIRepository flux-system/manifests, not a Git repository: set spec.source on the policy",
    });
  });

  it("a Kustomization whose GitRepository is gone: the message names it", async () => {
    const ks = obj("Kustomization", "flux-system", "apps", {
      spec: { path: "./apps", sourceRef: { kind: "GitRepository", name: "fleet" } },
    });
    const live = obj("Deployment", "shop", "web", { metadata: { name: "web", ...fluxManaged("apps") } });
    expect(await new ClusterSources(objects(ks), []).sourceOf(live)).toMatchObject({
      unusable:
        "Flux Kustomization flux-system/apps reads GitRepository flux-system/fleet, which does not exist",
    });
  });

  it("the instance label set by a plain Helm install (no such Application) is not Argo CD", async () => {
    const live = obj("Deployment", "shop", "web", {
      metadata: { name: "web", labels: { "app.kubernetes.io/instance": "web" } },
    });
    expect(await new ClusterSources(objects(), ["argocd"]).sourceOf(live)).toEqual({ found: false });
  });
});

describe("Flux GitRepository ref", () => {
  it.each([
    [undefined, { kind: "branch", value: "master" }],
    [{ branch: "main" }, { kind: "branch", value: "main" }],
    [
      { branch: "main", tag: "v1.0.0" },
      { kind: "tag", value: "v1.0.0" },
    ],
    [
      { tag: "v1.0.0", semver: ">=1.0.0" },
      { kind: "semver", value: ">=1.0.0" },
    ],
    [
      { branch: "main", commit: "abc123" },
      { kind: "commit", value: "abc123" },
    ],
    [{ name: "refs/heads/prod" }, { kind: "branch", value: "prod" }],
  ])("%j", (ref, expected) => {
    expect(fluxRevision(ref)).toEqual(expected);
  });
});

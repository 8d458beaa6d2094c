import { describe, expect, it } from "vitest";
import { argoAppRef, argoSources, parseTrackingId } from "../../src/discovery/argocd.js";
import type { LiveObject } from "../../src/discovery/live.js";
import { argoRevision } from "../../src/discovery/revision.js";

const deployment = (meta: Partial<LiveObject["metadata"]>): LiveObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", ...meta },
});

const app = (spec: Record<string, unknown>): LiveObject => ({
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Application",
  metadata: { name: "web", namespace: "argocd" },
  spec,
});

describe("which Application manages an object", () => {
  it("parses tracking ids, including core kinds with an empty group", () => {
    expect(parseTrackingId("web:apps/Deployment:shop/web")).toEqual({
      app: "web",
      group: "apps",
      kind: "Deployment",
      namespace: "shop",
      name: "web",
    });
    expect(parseTrackingId("web:/Service:shop/web")?.group).toBe("");
    expect(parseTrackingId("not a tracking id")).toBeUndefined();
  });

  it("an Application outside the control-plane namespace is written <namespace>_<name>", () => {
    const live = deployment({
      annotations: { "argocd.argoproj.io/tracking-id": "team-a_web:apps/Deployment:shop/web" },
    });
    expect(argoAppRef(live)).toEqual({ namespace: "team-a", name: "web", via: "tracking-id" });
  });

  it("a tracking id copied from another object is ignored; the instance label still counts", () => {
    const live = deployment({
      annotations: { "argocd.argoproj.io/tracking-id": "api:apps/Deployment:shop/api" },
      labels: { "app.kubernetes.io/instance": "web-prod" },
    });
    expect(argoAppRef(live)).toEqual({ name: "web-prod", via: "instance label" });
    expect(argoAppRef(deployment({}))).toBeUndefined();
  });
});

describe("where an Application reads from", () => {
  it("a Helm chart kept in Git: value files are relative to the chart folder, the last one first", () => {
    const s = argoSources(
      app({
        source: {
          repoURL: "https://github.com/acme/deploy",
          targetRevision: "HEAD",
          path: "./charts/web/",
          helm: { valueFiles: ["values.yaml", "../../envs/prod/web.yaml"] },
        },
      }),
      "argocd/web",
    );
    expect(s.locations.map((l) => [l.path, l.format, l.role])).toEqual([
      ["envs/prod/web.yaml", "helm-values", "Helm value file 2 of 2 (source)"],
      ["charts/web/values.yaml", "helm-values", "Helm value file 1 of 2 (source)"],
    ]);
    expect(s.locations[0]?.revision).toEqual({ kind: "default" });
  });

  it("a Helm chart kept in Git without value files: its values.yaml", () => {
    const s = argoSources(
      app({
        source: {
          repoURL: "https://github.com/acme/deploy",
          path: "charts/web",
          helm: { releaseName: "web" },
        },
      }),
      "argocd/web",
    );
    expect(s.locations.map((l) => l.path)).toEqual(["charts/web/values.yaml"]);
  });

  it("a plain directory source is read as plain manifests", () => {
    const s = argoSources(
      app({
        source: { repoURL: "https://github.com/acme/deploy", path: "web", directory: { recurse: true } },
      }),
      "argocd/web",
    );
    expect(s.locations.map((l) => [l.path, l.format])).toEqual([["web", "manifest"]]);
  });

  it("with the source hydrator, the dry source people edit, not the hydrated branch", () => {
    const s = argoSources(
      app({
        sourceHydrator: {
          drySource: { repoURL: "https://github.com/acme/deploy", targetRevision: "main", path: "web/prod" },
          syncSource: { targetBranch: "environments/prod", path: "web" },
        },
      }),
      "argocd/web",
    );
    expect(s.locations.map((l) => [l.path, l.revision])).toEqual([
      ["web/prod", { kind: "branch", value: "main" }],
    ]);
  });

  it("a packaged chart with nothing in Git: says so, so the policy can name a source", () => {
    const s = argoSources(
      app({
        source: { repoURL: "https://charts.bitnami.com/bitnami", chart: "nginx", targetRevision: "15.14.0" },
      }),
      "argocd/web",
    );
    expect(s.locations).toEqual([]);
    expect(s.unusable).toBe(
      "Argo CD Application argocd/web reads nothing costopt can edit in Git (a chart from a Helm repository without value files in Git): set spec.source on the policy",
    );
  });

  it("inline values are reported, and a $ref no source declares is skipped with a warning", () => {
    const s = argoSources(
      app({
        sources: [
          {
            repoURL: "https://charts.acme.io",
            chart: "web",
            helm: {
              valueFiles: ["$vals/web.yaml", "https://cdn.acme.io/web.yaml"],
              valuesObject: { replicaCount: 2 },
            },
          },
          { repoURL: "https://github.com/acme/values", ref: "values" },
        ],
      }),
      "argocd/web",
    );
    expect(s.inlineValues).toBe(true);
    expect(s.locations).toEqual([]);
    expect(s.warnings).toEqual([
      "value file https://cdn.acme.io/web.yaml is fetched over HTTP, not from Git; skipped",
      "value file $vals/web.yaml names $vals, which no source declares as ref; skipped",
    ]);
  });

  it("a path that climbs out of the repository is not used", () => {
    const s = argoSources(
      app({ source: { repoURL: "https://github.com/acme/deploy", path: "../../etc" } }),
      "argocd/web",
    );
    expect(s.locations).toEqual([]);
    expect(s.warnings).toEqual(["Application source has no usable repoURL/path"]);
  });
});

describe("targetRevision", () => {
  it.each([
    [undefined, { kind: "default" }],
    ["HEAD", { kind: "default" }],
    ["main", { kind: "branch", value: "main" }],
    ["refs/heads/release/2026", { kind: "branch", value: "release/2026" }],
    ["v1.4.0", { kind: "tag", value: "v1.4.0" }],
    ["1.*", { kind: "semver", value: "1.*" }],
    [
      "4f1c2a9be07a3d2c5e6f7a8b9c0d1e2f3a4b5c6d",
      { kind: "commit", value: "4f1c2a9be07a3d2c5e6f7a8b9c0d1e2f3a4b5c6d" },
    ],
  ])("%s", (rev, expected) => {
    expect(argoRevision(rev)).toEqual(expected);
  });
});

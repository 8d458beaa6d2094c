// The render check must be able to fail: an edit that leaks into another root, or changes a field
// nobody asked for, is caught; a missing kubectl is named.

import { describe, expect, it } from "vitest";
import { deploymentYaml } from "../support/workloads.js";
import { renderCheck } from "./render-check.js";

const base = deploymentYaml({ name: "api", namespace: null, image: "api:1", requests: { cpu: "100m" } });

const repo = (deployment: string) => [
  { path: "base/kustomization.yaml", content: "resources:\n- deployment.yaml\n" },
  { path: "base/deployment.yaml", content: deployment },
  { path: "prod/kustomization.yaml", content: "resources:\n- ../base\nnamespace: prod\n" },
  { path: "dev/kustomization.yaml", content: "resources:\n- ../base\nnamespace: dev\n" },
];

const target = {
  roots: ["prod"],
  object: { kind: "Deployment", namespace: "prod", name: "api" },
  fields: ["/spec/template/spec/containers/*/resources"],
};

describe("the render check", () => {
  it("rejects an edit of a shared base that also changes a root the policy does not target", () => {
    expect(() => renderCheck(repo(base), repo(base.replace("100m", "50m")), target)).toThrow(
      /dev: Deployment\/dev\/api changed outside the intended fields/,
    );
  });

  it("rejects a change to a field that was not intended", () => {
    const only = (d: string) => repo(d).filter((f) => !f.path.startsWith("dev/"));
    expect(() => renderCheck(only(base), only(base.replace("api:1", "api:2")), target)).toThrow(
      /prod: Deployment\/prod\/api changed outside/,
    );
    expect(renderCheck(only(base), only(base.replace("100m", "50m")), target)).toEqual([
      "prod: Deployment/prod/api",
    ]);
  });

  it("rejects an edit that does not reach the targeted root", () => {
    expect(() => renderCheck(repo(base), repo(base), target)).toThrow(/did not change in prod/);
  });

  it("names the command when kubectl is missing", () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      expect(() => renderCheck(repo(base), repo(base), target)).toThrow(
        /needs `kubectl kustomize`.*not on PATH/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});

// A Helm values file named outright by the source (an Argo CD multi-source app's $values file, in a
// repository without the chart) is read as the release's own values.

import { describe, expect, it } from "vitest";
import { indexRepository, locateWorkload } from "../../src/manifests/index.js";

const target = { kind: "Deployment" as const, name: "checkout", namespace: "payments" };
const values = '# prod\nreplicaCount: 4\nresources:\n  requests:\n    cpu: "1"\n    memory: 1Gi\n';

describe("a values file named by the source", () => {
  it("is the release's values: its top-level resources are the workload's", () => {
    const index = indexRepository([{ path: "envs/prod/checkout/values.yaml", content: values }]);
    const located = locateWorkload(index, target, {
      path: "envs/prod/checkout/values.yaml",
      format: "helm-values",
    });
    if (!located.ok) throw new Error(located.reason);
    expect(located.containers[0]?.cpuRequest).toBe(1000);
    expect(located.containers[0]?.sites.cpuRequest.map((s) => [s.file, s.path])).toEqual([
      ["envs/prod/checkout/values.yaml", "/resources/requests/cpu"],
    ]);
  });

  it("is not guessed at when the source does not name it as Helm values", () => {
    const index = indexRepository([{ path: "envs/prod/checkout/values.yaml", content: values }]);
    expect(locateWorkload(index, target, { path: "envs/prod/checkout/values.yaml" }).ok).toBe(false);
    expect(locateWorkload(index, target).ok).toBe(false);
  });

  it("still prefers a marked block over the top level", () => {
    const marked = `${values}worker:\n  # costopt: payments/checkout\n  resources:\n    requests:\n      cpu: 300m\n`;
    const index = indexRepository([{ path: "v.yaml", content: marked }]);
    const located = locateWorkload(index, target, { path: "v.yaml", format: "helm-values" });
    if (!located.ok) throw new Error(located.reason);
    expect(located.containers[0]?.cpuRequest).toBe(300);
  });
});

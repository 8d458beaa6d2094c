// Which fields a rollback may restore: the resource, replica, HPA, placement and KEDA fields costopt
// itself edits, in the policy's workload documents. Everything else is named and refused.

import { describe, expect, it } from "vitest";
import { outOfScope } from "../../src/gitops/rollback-check.js";
import { indexRepository, type Located, locateWorkload } from "../../src/manifests/index.js";
import type { FieldChange } from "../../src/state/types.js";
import { WEB } from "../app/shop.js";

const OTHER = WEB.replace(/name: web\b/, "name: other").replace(/app: web/g, "app: other");
const files = [
  { path: "k8s/web.yaml", content: WEB },
  { path: "k8s/other.yaml", content: OTHER },
  { path: "k8s/kustomization.yaml", content: "resources:\n  - web.yaml\n  - other.yaml\n" },
];
const index = indexRepository(files);
const located = locateWorkload(index, { namespace: "shop", kind: "Deployment", name: "web" }) as Located;
const POD = "/spec/template/spec";
const at = (pointer: string, before: unknown, after: unknown, path = "k8s/web.yaml"): FieldChange => ({
  path,
  document: 0,
  pointer,
  ...(before !== undefined ? { before } : {}),
  ...(after !== undefined ? { after } : {}),
});

describe("the fields a rollback may restore", () => {
  it("allows what costopt edits: requests and limits, replicas, node affinity, tolerations", () => {
    expect(located.ok).toBe(true);
    const fields = [
      at(`${POD}/containers/0/resources/requests/cpu`, "500m", "250m"),
      at(`${POD}/containers/0/resources/limits`, undefined, { cpu: "1", memory: "512Mi" }),
      at("/spec/replicas", 3, 2),
      at(`${POD}/affinity`, undefined, {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} },
      }),
      at(`${POD}/tolerations`, undefined, [{ key: "spot", operator: "Exists" }]),
    ];
    expect(outOfScope(fields, [], index, located)).toEqual([]);
  });

  it("refuses an image, privileged, hostNetwork or pod anti-affinity, naming each", () => {
    const fields = [
      at(`${POD}/containers/0/image`, "evil/miner:1", "example/web:1.0"),
      at(`${POD}/hostNetwork`, true, undefined),
      at(
        `${POD}/containers/0/resources`,
        { requests: { cpu: "1" }, privileged: true },
        { requests: { cpu: "1" } },
      ),
      at(`${POD}/affinity`, { podAntiAffinity: {} }, undefined),
    ];
    expect(outOfScope(fields, [], index, located)).toEqual([
      `k8s/web.yaml (document 1) ${POD}/containers/0/image changes ${POD}/containers/0/image, which costopt does not edit`,
      `k8s/web.yaml (document 1) ${POD}/hostNetwork changes ${POD}/hostNetwork, which costopt does not edit`,
      `k8s/web.yaml (document 1) ${POD}/containers/0/resources changes ${POD}/containers/0/resources/privileged, which costopt does not edit`,
      `k8s/web.yaml (document 1) ${POD}/affinity changes ${POD}/affinity/podAntiAffinity, which costopt does not edit`,
    ]);
  });

  it("refuses fields of another workload's documents, and kustomization entries for files it did not create", () => {
    const fields = [
      at(`${POD}/containers/0/resources/requests/cpu`, "500m", "250m", "k8s/other.yaml"),
      at("/resources/2", undefined, "../secrets.yaml", "k8s/kustomization.yaml"),
    ];
    expect(outOfScope(fields, [], index, located)).toEqual([
      `k8s/other.yaml (document 1) ${POD}/containers/0/resources/requests/cpu is not in the documents of the policy's workload`,
      "k8s/kustomization.yaml (document 1) /resources/2 is not in the documents of the policy's workload",
    ]);
    expect(
      outOfScope(
        [at("/resources/2", undefined, "web-keda.yaml", "k8s/kustomization.yaml")],
        ["k8s/web-keda.yaml"],
        index,
        located,
      ),
    ).toEqual([]);
  });

  it("looks inside a YAML string (an inline patch, Argo CD helm.values) and at a JSON 6902 op's path", () => {
    const values = (image: string) => `resources:\n  requests:\n    cpu: 250m\nimage: ${image}\n`;
    const inline = [at(`${POD}/containers/0/resources/requests/cpu`, values("a"), values("b"))];
    expect(outOfScope(inline, [], index, located)).toEqual([
      `k8s/web.yaml (document 1) ${POD}/containers/0/resources/requests/cpu changes ${POD}/containers/0/resources/requests/cpu/image, which costopt does not edit`,
    ]);
    const op = (path: string) => `- op: replace\n  path: ${path}\n  value: x\n`;
    const ops = [at("/spec/replicas", op("/spec/replicas"), op(`${POD}/serviceAccountName`))];
    expect(outOfScope(ops, [], index, located)).toEqual([
      `k8s/web.yaml (document 1) /spec/replicas changes ${POD}/serviceAccountName, which costopt does not edit`,
    ]);
  });
});

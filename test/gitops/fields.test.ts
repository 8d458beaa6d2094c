import type { Operation } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { fieldChanges, planRevert } from "../../src/gitops/fields.js";
import { patchDocument } from "../../src/manifests/patch.js";

// Not deploymentYaml: the comments, quoting and tolerations around the edit are what must survive.
const BEFORE = `# web frontend
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3 # three for HA
  template:
    spec:
      containers:
        - name: app
          resources:
            requests:
              cpu: "500m"
      tolerations:
        - key: a
          operator: Exists
---
apiVersion: v1
kind: Service
metadata:
  name: web
`;

const OPS: Operation[] = [
  { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/cpu", value: "250m" },
  { op: "add", path: "/spec/template/spec/containers/0/resources/requests/memory", value: "256Mi" },
  { op: "add", path: "/spec/template/spec/tolerations/-", value: { key: "spot", operator: "Exists" } },
  { op: "replace", path: "/spec/replicas", value: 2 },
];

function edit() {
  const after = patchDocument(BEFORE, 0, OPS, "web.yaml");
  return { path: "web.yaml", before: BEFORE, after, created: false, operations: [{ docIndex: 0, ops: OPS }] };
}

describe("field changes", () => {
  it("records every changed field with its original, appends at the index they landed on", () => {
    expect(fieldChanges([edit()])).toEqual([
      {
        path: "web.yaml",
        document: 0,
        pointer: "/spec/template/spec/containers/0/resources/requests/cpu",
        before: "500m",
        after: "250m",
      },
      {
        path: "web.yaml",
        document: 0,
        pointer: "/spec/template/spec/containers/0/resources/requests/memory",
        after: "256Mi",
      },
      {
        path: "web.yaml",
        document: 0,
        pointer: "/spec/template/spec/tolerations/1",
        after: { key: "spot", operator: "Exists" },
      },
      { path: "web.yaml", document: 0, pointer: "/spec/replicas", before: 3, after: 2 },
    ]);
  });
});

describe("revert", () => {
  it("restores exactly the original file, comments and quoting included", () => {
    const e = edit();
    const plan = planRevert(new Map([["web.yaml", e.after]]), fieldChanges([e]), []);
    expect(plan).toEqual({ ok: true, edits: [{ path: "web.yaml", before: e.after, after: BEFORE }] });
  });

  it("leaves unrelated later edits alone and deletes files the change created", () => {
    const e = edit();
    const later = e.after
      .replace("  name: web\n`", "  name: web\n`")
      .replace("kind: Service\nmetadata:\n  name: web", "kind: Service\nmetadata:\n  name: web2");
    const plan = planRevert(
      new Map([
        ["web.yaml", later],
        ["keda.yaml", "kind: ScaledObject\n"],
      ]),
      fieldChanges([e]),
      ["keda.yaml", "gone.yaml"],
    );
    expect(plan.ok && plan.edits.map((x) => [x.path, x.after])).toEqual([
      [
        "web.yaml",
        BEFORE.replace("kind: Service\nmetadata:\n  name: web", "kind: Service\nmetadata:\n  name: web2"),
      ],
      ["keda.yaml", null],
    ]);
  });

  it("refuses when someone changed a field since, naming it", () => {
    const e = edit();
    const changed = e.after.replace("replicas: 2", "replicas: 5");
    expect(planRevert(new Map([["web.yaml", changed]]), fieldChanges([e]), [])).toEqual({
      ok: false,
      conflicts: ["web.yaml (document 1) /spec/replicas is now 5, not 2"],
    });
    expect(planRevert(new Map(), fieldChanges([e]), [])).toEqual({
      ok: false,
      conflicts: ["web.yaml no longer exists"],
    });
  });
});

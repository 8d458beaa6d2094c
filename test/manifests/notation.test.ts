// What a reviewer sees on the changed lines themselves: the author's quantity notation and
// quoting, and trailing comments that stay in their column.

import { describe, expect, it } from "vitest";
import { type Desired, indexRepository, locateWorkload, planChanges } from "../../src/manifests/index.js";
import { lineDiff } from "./helpers.js";

// Not deploymentYaml: the resources block is what these tests are about, so each writes it out.
const web = (resources: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: app
          resources:
${resources}`;

function edited(before: string, desired: Desired): string {
  const index = indexRepository([{ path: "web.yaml", content: before }]);
  const plan = planChanges(index, locateWorkload(index, { kind: "Deployment", name: "web" }), desired);
  if (!plan.ok) throw new Error(plan.reason);
  return plan.edits[0]?.after ?? before;
}

describe("quantity notation", () => {
  it("keeps millicores for a whole-core value and adds no quotes the author did not use", () => {
    const before = web(`            requests:
              cpu: 2000m
              memory: 500M
            limits:
              cpu: "1"
              memory: 1Gi
`);
    const after = edited(before, {
      containers: [
        { name: "app", cpuRequest: 1000, memoryRequest: 400e6, cpuLimit: 700, memoryLimit: 768 * 2 ** 20 },
      ],
    });
    expect(lineDiff(before, after)).toEqual([
      "-              cpu: 2000m",
      "-              memory: 500M",
      "-            limits:",
      '-              cpu: "1"',
      "-              memory: 1Gi",
      "+              cpu: 1000m",
      "+              memory: 400M",
      "+            limits:",
      '+              cpu: "700m"',
      "+              memory: 768Mi",
    ]);
  });
});

describe("trailing comments", () => {
  const before = web(`            requests:
              cpu: "1100m"        # sized for launch
              memory: 512Mi   # p99 + 20%
            limits:
              cpu: 2 # one line
`);

  it("stay in their column when the value gets shorter or longer", () => {
    const after = edited(before, {
      containers: [{ name: "app", cpuRequest: 700, memoryRequest: 1536 * 2 ** 20 }],
    });
    expect(lineDiff(before, after)).toEqual([
      '-              cpu: "1100m"        # sized for launch',
      "-              memory: 512Mi   # p99 + 20%",
      '+              cpu: "700m"         # sized for launch',
      "+              memory: 1536Mi  # p99 + 20%",
    ]);
  });

  it("keep at least one space when the value outgrows the padding", () => {
    const after = edited(before, {
      containers: [{ name: "app", memoryRequest: 1536 * 2 ** 20 + 1024, cpuLimit: 2500 }],
    });
    expect(lineDiff(before, after)).toEqual([
      "-              memory: 512Mi   # p99 + 20%",
      "-            limits:",
      "-              cpu: 2 # one line",
      "+              memory: 1572865Ki # p99 + 20%",
      "+            limits:",
      "+              cpu: 2.5 # one line",
    ]);
  });
});

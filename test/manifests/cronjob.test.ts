// A CronJob's containers live in its Job template (spec.jobTemplate.spec.template.spec): they are
// located and edited there, in a plain manifest and through a kustomize overlay's new patch.

import { describe, expect, it } from "vitest";
import { indexRepository, type Located, locateWorkload, planChanges } from "../../src/manifests/index.js";
import { lineDiff } from "./helpers.js";

const CRON = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: batch
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          labels:
            app: report
        spec:
          restartPolicy: OnFailure
          containers:
            - name: report
              image: report:1.0
              resources:
                requests:
                  cpu: "2"
                  memory: 2Gi
`;

const TARGET = { kind: "CronJob", namespace: "batch", name: "report" } as const;

describe("CronJob manifests", () => {
  it("locates the job template's containers and pod labels in a plain manifest", () => {
    const located = locateWorkload(
      indexRepository([{ path: "jobs/report.yaml", content: CRON }]),
      TARGET,
      {},
    );
    expect(located.ok).toBe(true);
    const l = located as Located;
    expect(l.containers.map((c) => c.name)).toEqual(["report"]);
    expect(l.containers[0]?.cpuRequest).toBe(2000);
    expect(l.containers[0]?.sites.cpuRequest[0]?.path).toBe(
      "/spec/jobTemplate/spec/template/spec/containers/0/resources/requests/cpu",
    );
    expect(l.podLabels).toEqual({ app: "report" });
  });

  it("edits the job template's requests in place", () => {
    const index = indexRepository([{ path: "jobs/report.yaml", content: CRON }]);
    const located = locateWorkload(index, TARGET, {});
    const plan = planChanges(index, located, {
      containers: [{ name: "report", cpuRequest: 1000, memoryRequest: 1024 * 2 ** 20 }],
    });
    if (!plan.ok) throw new Error(plan.reason);
    const edit = plan.edits[0];
    expect(edit?.path).toBe("jobs/report.yaml");
    expect(lineDiff(edit?.before ?? "", edit?.after ?? "")).toEqual([
      '-                  cpu: "2"',
      "-                  memory: 2Gi",
      '+                  cpu: "1"',
      "+                  memory: 1Gi",
    ]);
  });

  it("writes an overlay's new patch at the job template's path when the base is shared", () => {
    const files = [
      { path: "base/report.yaml", content: CRON },
      { path: "base/kustomization.yaml", content: "resources:\n  - report.yaml\n" },
      { path: "prod/kustomization.yaml", content: "namespace: batch\nresources:\n  - ../base\n" },
      { path: "staging/kustomization.yaml", content: "namespace: batch-staging\nresources:\n  - ../base\n" },
    ];
    const index = indexRepository(files);
    const located = locateWorkload(index, TARGET, {});
    const plan = planChanges(index, located, { containers: [{ name: "report", cpuRequest: 500 }] });
    if (!plan.ok) throw new Error(plan.reason);
    const created = plan.edits.find((e) => e.created);
    expect(created?.path).toBe("prod/costopt-cronjob-report.yaml");
    expect(created?.after).toContain(
      [
        "spec:",
        "  jobTemplate:",
        "    spec:",
        "      template:",
        "        spec:",
        "          containers:",
        "            - name: report",
      ].join("\n"),
    );
    expect(created?.after).toContain("cpu: 500m");
  });
});

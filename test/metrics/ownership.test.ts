// Pod -> workload for CronJobs: through kube_pod_owner (Job) and kube_job_owner (CronJob), by the
// Job's name when kube_job_owner is missing, and by the pod's name without owner series.

import { describe, expect, it } from "vitest";
import { matchByName, OwnerIndex } from "../../src/metrics/ownership.js";
import type { WorkloadRef } from "../../src/metrics/types.js";

const report: WorkloadRef = { namespace: "batch", kind: "CronJob", name: "report" };
const reportDaily: WorkloadRef = { namespace: "batch", kind: "CronJob", name: "report-daily" };
const web: WorkloadRef = { namespace: "batch", kind: "Deployment", name: "report" };
const candidates = [report, reportDaily, web];

describe("CronJob ownership", () => {
  it("follows pod -> Job -> CronJob through the owner series, whatever the Job is called", () => {
    const owners = new OwnerIndex();
    // kubectl create job --from=cronjob/report: a hand-made name, still owned by the CronJob.
    owners.addPodOwner("batch", "report-manual-x7k2p", "Job", "report-manual");
    owners.addJobOwner("batch", "report-manual", "CronJob", "report");
    expect(owners.resolve("batch", "report-manual-x7k2p", candidates)).toEqual({
      workload: report,
      via: "owner-series",
    });
  });

  it("reads the CronJob from a scheduled Job's name when kube_job_owner is missing", () => {
    const owners = new OwnerIndex();
    owners.addPodOwner("batch", "report-daily-29433600-abcde", "Job", "report-daily-29433600");
    expect(owners.resolve("batch", "report-daily-29433600-abcde", candidates)?.workload).toEqual(reportDaily);
    // A Job no CronJob made is nobody's here.
    owners.addPodOwner("batch", "migrate-q2w3e", "Job", "migrate");
    expect(owners.resolve("batch", "migrate-q2w3e", candidates)).toBeUndefined();
  });

  it("matches a CronJob's pod by name without owner series, preferring the longest CronJob name", () => {
    expect(matchByName("report-daily-29433600-abcde", candidates)?.workload).toEqual(reportDaily);
    expect(matchByName("report-29433600-abcde", candidates)?.workload).toEqual(report);
    // A Deployment's pod is not mistaken for a CronJob's.
    expect(matchByName("report-5d8f7c9b4-abcde", candidates)?.workload).toEqual(web);
  });
});

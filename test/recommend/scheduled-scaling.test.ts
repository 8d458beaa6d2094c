import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { DAY, diurnal, input, spec, usageFrom, workload } from "./fixtures.js";

const scheduled = spec({ optimizationType: "SCHEDULED_SCALING" });
const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];

describe("SCHEDULED_SCALING strategy", () => {
  it("turns quiet nights into a KEDA ScaledObject with cron triggers for the busy hours", () => {
    const r = recommend(input({ spec: scheduled, usage: usageFrom({ cpu: diurnal(600, 100) }) }));
    const s = r.scheduledScaling;
    // nights: 3 x 100m = 300m, under 30% of the 1800m peak; 300 / (1000m x 0.7) -> 1 replica, kept at 2
    // for a workload running 3; scale-in waits an hour after the load drops at 20:00.
    expect(s?.windows).toEqual([{ days: ALL_DAYS, startHour: 21, durationHours: 11, desiredReplicas: 2 }]);
    expect(s?.fileName).toBe("web-scaledobject.yaml");
    expect(s?.scaledObject).toEqual({
      apiVersion: "keda.sh/v1alpha1",
      kind: "ScaledObject",
      metadata: {
        name: "web-schedule",
        namespace: "shop",
        labels: { "app.kubernetes.io/managed-by": "costopt" },
      },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicaCount: 2,
        maxReplicaCount: 3,
        triggers: [
          {
            type: "cron",
            metadata: {
              timezone: "Etc/UTC",
              start: "0 8 * * 0,1,2,3,4,5,6",
              end: "0 21 * * 0,1,2,3,4,5,6",
              desiredReplicas: "3",
            },
          },
        ],
      },
    });
  });

  it("prices the schedule by the hours at each count", () => {
    const r = recommend(input({ spec: scheduled, usage: usageFrom({ cpu: diurnal(600, 100) }) }));
    // 77 h/week at 2 pods, 91 at 3: 2.54 pods on average; one pod-month is (0.031611 + 0.004237) x 730 = 26.169
    expect(r.currentCost).toBe(78.51);
    expect(r.optimizedCost).toBe(66.51);
  });

  it("finds a quiet weekend that spans two days", () => {
    const weekdays = (t: number) => {
      const day = (Math.floor(t / DAY) + 4) % 7;
      return day >= 1 && day <= 5 ? 600 : 100;
    };
    const r = recommend(input({ spec: scheduled, usage: usageFrom({ cpu: weekdays }) }));
    expect(r.scheduledScaling?.windows).toEqual([
      { days: [6], startHour: 1, durationHours: 47, desiredReplicas: 2 },
    ]);
    expect(r.scheduledScaling?.scaledObject).toMatchObject({
      spec: { triggers: [{ metadata: { start: "0 0 * * 1", end: "0 1 * * 6" } }] },
    });
  });

  it("does not scale in while a daily batch may still run: the window starts an hour after it ends", () => {
    const nightly = (t: number) => {
      const hour = Math.floor((t % DAY) / 3600);
      return hour >= 1 && hour < 3 ? 900 : 30;
    };
    const r = recommend(input({ spec: scheduled, usage: usageFrom({ cpu: nightly }) }));
    const windows = r.scheduledScaling?.windows ?? [];
    expect(windows).toEqual([{ days: ALL_DAYS, startHour: 4, durationHours: 21, desiredReplicas: 2 }]);
    expect(r.notes.join("\n")).toMatch(
      /scale-in waits 1 h after the load drops \(e\.g\. after the daily peak 01:00-03:00 UTC\)/,
    );
  });

  it("keeps 2 replicas at night for a workload running 6, unless the policy's minReplicas allows fewer", () => {
    const usage = usageFrom({ cpu: diurnal(600, 30), replicas: 6 });
    const six = workload({ replicas: 6 });
    const r = recommend(input({ spec: scheduled, workload: six, usage }));
    expect(r.scheduledScaling?.windows[0]?.desiredReplicas).toBe(2);
    expect(r.risk.factors.find((f) => f.name === "schedule")?.detail).toBe(
      "6 -> 2 replicas in quiet hours; an unusual night would be short of pods",
    );
    const one = recommend(input({ spec: { ...scheduled, minReplicas: 1 }, workload: six, usage }));
    expect(one.scheduledScaling?.windows[0]?.desiredReplicas).toBe(1);
    expect(one.risk.score).toBeGreaterThan(r.risk.score);
  });

  it("proposes nothing for a flat load", () => {
    const r = recommend(input({ spec: scheduled, usage: usageFrom({ cpu: () => 500 }) }));
    expect(r.scheduledScaling).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/no stable quiet window/);
    expect(r.decision.allowed).toBe(false);
  });

  it("proposes nothing on less than a week of history", () => {
    const r = recommend(input({ spec: scheduled, usage: usageFrom({ cpu: diurnal(600, 100), days: 3 }) }));
    expect(r.scheduledScaling).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/at least 7 days/);
  });

  it("ignores quiet stretches shorter than the minimum window", () => {
    const r = recommend(
      input({
        spec: scheduled,
        usage: usageFrom({ cpu: diurnal(600, 100) }),
        settings: { scheduledScaling: { minWindowHours: 13 } },
      }),
    );
    expect(r.scheduledScaling).toBeUndefined();
  });

  it("stays away from a workload an HPA already scales", () => {
    const w = workload({ hpa: { name: "web", minReplicas: 2, maxReplicas: 6 } });
    const r = recommend(
      input({ spec: scheduled, workload: w, usage: usageFrom({ cpu: diurnal(600, 100) }) }),
    );
    expect(r.scheduledScaling).toBeUndefined();
    expect(r.notes.join("\n")).toMatch(/HPA already manages/);
  });

  it("keeps the PodDisruptionBudget's floor in quiet hours", () => {
    const w = workload({ pdb: { minAvailable: 1 } });
    const r = recommend(
      input({ spec: scheduled, workload: w, usage: usageFrom({ cpu: diurnal(600, 100) }) }),
    );
    expect(r.scheduledScaling?.windows[0]?.desiredReplicas).toBe(2);
  });
});

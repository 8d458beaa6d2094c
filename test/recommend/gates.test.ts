import { describe, expect, it } from "vitest";
import { recommend } from "../../src/recommend/engine.js";
import { blockers, DEFAULT_GATE_SETTINGS, decide } from "../../src/recommend/gates.js";
import type { Proposal } from "../../src/recommend/strategies/types.js";
import { containerOf, diurnal, input, spec, usageFrom, workload } from "./fixtures.js";

const reasons = (r: ReturnType<typeof recommend>) => r.decision.reasons.join("\n");

describe("gates", () => {
  describe("the decision", () => {
    it("marks each check passed or failed, and keeps stepping apart from the checks", () => {
      const r = recommend(input({ spec: spec({ maxRiskLevel: "LOW", maxChangePercent: 50 }) }));
      const { checks, steps } = r.decision;
      expect(blockers(r.decision)).toEqual(["risk MEDIUM exceeds maxRiskLevel LOW"]);
      expect(checks[0]).toEqual({
        gate: "maxRiskLevel",
        passed: false,
        detail: "risk MEDIUM exceeds maxRiskLevel LOW",
      });
      expect(checks.filter((c) => c.passed).map((c) => c.gate)).toEqual([
        "protection",
        "replicas",
        "change",
        "saving",
        "minConfidence",
      ]);
      expect(steps).toEqual(["maxChangePercent 50: app CPU request 1 -> 200m (-80%) stepped to 500m"]);
      expect(checks.map((c) => c.detail)).not.toContain(steps[0]);
    });
    it("has no blockers when every check passed, stepped or not", () => {
      const r = recommend(input({ spec: spec({ maxChangePercent: 50 }) }));
      expect(r.decision).toMatchObject({ allowed: true, stepped: true });
      expect(blockers(r.decision)).toEqual([]);
      expect(r.decision.checks.every((c) => c.passed)).toBe(true);
    });
  });

  describe("minConfidence", () => {
    it("accepts a week of steady data", () => {
      const r = recommend(input({ spec: spec({ minConfidence: 0.9 }) }));
      expect(r.decision.allowed).toBe(true);
      expect(reasons(r)).toMatch(/confidence 1 meets minConfidence 0.9/);
    });
    it("rejects two days of a seven-day window", () => {
      const usage = usageFrom({ cpu: () => 200, coverage: 2 / 7 });
      const r = recommend(input({ spec: spec({ minConfidence: 0.9 }), usage }));
      expect(r.decision.allowed).toBe(false);
      expect(reasons(r)).toMatch(/confidence 0\.\d+ is below minConfidence 0.9/);
    });
  });

  describe("maxRiskLevel", () => {
    // 1000m -> 200m is an 80% cut: 0.4 points, MEDIUM
    it("accepts a risk within the limit", () => {
      const r = recommend(input({ spec: spec({ maxRiskLevel: "MEDIUM" }) }));
      expect(r.risk.level).toBe("MEDIUM");
      expect(r.decision.allowed).toBe(true);
    });
    it("rejects a risk above the limit", () => {
      const r = recommend(input({ spec: spec({ maxRiskLevel: "LOW" }) }));
      expect(r.decision.allowed).toBe(false);
      expect(reasons(r)).toMatch(/risk MEDIUM exceeds maxRiskLevel LOW/);
    });
  });

  describe("maxChangePercent", () => {
    it("steps a larger cut to the limit, says so, and still allows it", () => {
      const r = recommend(input({ spec: spec({ maxChangePercent: 50 }) }));
      // 200m would be -80%; half of 1000m is 500m
      expect(containerOf(r).proposed.cpuRequest).toBe(500);
      // The note describes what is proposed, and where the computed figure came from.
      expect(containerOf(r).notes).toContain(
        "CPU request 500m: stepped by maxChangePercent 50 from the computed 200m = p90 200m + 0%, rounded up",
      );
      expect(containerOf(r).notes.join("\n")).not.toMatch(/^CPU request 200m/m);
      expect(r.decision).toMatchObject({ allowed: true, stepped: true });
      expect(reasons(r)).toMatch(/maxChangePercent 50: app CPU request 1 -> 200m \(-80%\) stepped to 500m/);
      // the stepped value is what is priced: 500m instead of 1000m
      expect(r.optimizedCost).toBeLessThan(r.currentCost);
      expect(r.optimizedCost).toBeGreaterThan(recommend(input()).optimizedCost);
    });
    it("leaves a change within the limit alone", () => {
      const r = recommend(input({ spec: spec({ maxChangePercent: 80 }) }));
      expect(containerOf(r).proposed.cpuRequest).toBe(200);
      expect(r.decision.stepped).toBe(false);
    });
    it("steps replicas too, rounding toward the current count", () => {
      const r = recommend(input({ spec: spec({ optimizationType: "REPLICAS", maxChangePercent: 50 }) }));
      // 3 -> 1 is -67%; 3 x 0.5 = 1.5 -> 2
      expect(r.replicas?.proposed).toBe(2);
    });
    it("steps an increase that fixes OOM kills too, toward the current value, and says so", () => {
      const w = workload({
        containers: [
          { name: "app", resources: { cpuRequest: 250, memoryRequest: 2 ** 27, memoryLimit: 2 ** 27 } },
        ],
      });
      const usage = usageFrom({ cpu: () => 200, memory: () => 2 ** 27, oomKills: 3 });
      const r = recommend(
        input({ spec: spec({ optimizationType: "MEMORY", maxChangePercent: 10 }), workload: w, usage }),
      );
      // 128Mi + 100Mi = 228Mi is +78%; +10% is 140.8Mi, rounded down to 140Mi
      expect(containerOf(r).proposed.memoryLimit).toBe(140 * 2 ** 20);
      expect(containerOf(r).proposed.memoryRequest).toBe(140 * 2 ** 20);
      expect(r.decision.steps).toContain(
        "maxChangePercent 10: app memory request 128Mi -> 228Mi (+78%) stepped to 140Mi",
      );
      expect(containerOf(r).notes.join("\n")).toMatch(
        /^memory request 140Mi: stepped by maxChangePercent 10 from the computed 228Mi from 3 OOM kill/m,
      );
    });
    it("steps quiet-hours replicas of a schedule", () => {
      const usage = usageFrom({ cpu: diurnal(600, 100), replicas: 4 });
      const r = recommend(
        input({
          spec: spec({ optimizationType: "SCHEDULED_SCALING", maxChangePercent: 40 }),
          workload: workload({ replicas: 4 }),
          usage,
        }),
      );
      // 4 -> 2 at night is -50%; 40% allows 3
      expect(r.scheduledScaling?.windows[0]?.desiredReplicas).toBe(3);
      expect(r.scheduledScaling?.scaledObject.spec).toMatchObject({ minReplicaCount: 3 });
      expect(r.decision.stepped).toBe(true);
      expect(r.notes.join("\n")).toMatch(
        /scheduled scaling: 3 replica\(s\) \(the computed 2 stepped by maxChangePercent 40\) for/,
      );
    });
  });

  describe("protected resources", () => {
    it("accepts an unprotected workload", () => {
      expect(reasons(recommend(input()))).toMatch(/not protected/);
    });
    for (const [what, w] of [
      [
        "a protected namespace",
        workload({ ref: { namespace: "kube-system", kind: "Deployment", name: "coredns" } }),
      ],
      ["a protected label", workload({ labels: { "costopt.dev/protected": "true" } })],
      ["a protected annotation", workload({ annotations: { "costopt.dev/protected": "true" } })],
    ] as const)
      it(`rejects ${what}`, () => {
        const r = recommend(input({ workload: w }));
        expect(r.decision.allowed).toBe(false);
        expect(reasons(r)).toMatch(/^protected: /);
      });
  });

  describe("StatefulSet and DaemonSet rules", () => {
    it("allows right-sizing a StatefulSet's requests", () => {
      const w = workload({ ref: { namespace: "shop", kind: "StatefulSet", name: "db" } });
      const r = recommend(input({ workload: w }));
      expect(r.decision.allowed).toBe(true);
    });
    it("rejects a replica change on a StatefulSet even when the strategy was told to make one", () => {
      const w = workload({ ref: { namespace: "shop", kind: "StatefulSet", name: "db" } });
      const r = recommend(
        input({
          spec: spec({ optimizationType: "REPLICAS" }),
          workload: w,
          settings: { replicas: { allowStatefulSet: true } },
        }),
      );
      // 3 -> 2 (never below 2 for a workload running 2 or more)
      expect(r.replicas?.proposed).toBe(2);
      expect(r.decision.allowed).toBe(false);
      expect(reasons(r)).toMatch(/StatefulSet: replica count and placement are not changed/);
    });
    it("allows right-sizing a DaemonSet", () => {
      const w = workload({
        ref: { namespace: "shop", kind: "DaemonSet", name: "agent" },
        replicas: undefined,
      });
      const r = recommend(input({ workload: w }));
      expect(r.decision.allowed).toBe(true);
      expect(reasons(r)).toMatch(/DaemonSet: only requests and limits change/);
    });
  });

  describe("safety nets on proposals no built-in strategy makes", () => {
    const base = recommend(input());
    const proposal = (over: Partial<Proposal>): Proposal => ({
      containers: base.containers,
      appliedTypes: ["REPLICAS"],
      notes: [],
      loadFactor: 1,
      ...over,
    });
    const args = {
      spec: spec(),
      confidence: base.confidence,
      risk: base.risk,
      steps: [],
      settings: DEFAULT_GATE_SETTINGS,
      monthlySavings: 10,
    };
    it("does not open a change that saves nothing and fixes no shortage", () => {
      const d = decide({
        ...args,
        monthlySavings: 0,
        workload: workload(),
        proposal: proposal({
          replicas: { current: 4, proposed: 2, field: "hpa.minReplicas", hpaName: "web" },
        }),
      });
      expect(d.allowed).toBe(false);
      expect(d.reasons[0]).toBe("saves nothing ($0.00/mo) and fixes no shortage");
    });
    it("opens a raise that costs money: it fixes a shortage", () => {
      const d = decide({
        ...args,
        monthlySavings: -3.5,
        workload: workload(),
        proposal: proposal({ replicas: { current: 2, proposed: 3, field: "spec.replicas" } }),
      });
      expect(d.allowed).toBe(true);
      expect(d.checks.find((c) => c.gate === "saving")?.detail).toBe(
        "raises a value the workload is short of",
      );
    });
    it("rejects zero replicas", () => {
      const d = decide({
        ...args,
        workload: workload(),
        proposal: proposal({ replicas: { current: 3, proposed: 0, field: "spec.replicas" } }),
      });
      expect(d.allowed).toBe(false);
      expect(d.reasons).toContain("0 replicas: at least 1 is required");
    });
    it("rejects replicas or spot placement on a DaemonSet", () => {
      const d = decide({
        ...args,
        workload: workload({ ref: { namespace: "shop", kind: "DaemonSet", name: "agent" } }),
        proposal: proposal({ replicas: { current: 3, proposed: 2, field: "spec.replicas" } }),
      });
      expect(d.allowed).toBe(false);
      expect(d.reasons[0]).toMatch(/DaemonSet: replicas, spot placement and schedules do not apply/);
    });
  });
});

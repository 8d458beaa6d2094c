import { describe, expect, it } from "vitest";
import {
  compareCosts,
  monthlyCost,
  OPENCOST_DEFAULT_PRICES,
  resolvePricing,
} from "../../src/recommend/cost.js";
import { recommend } from "../../src/recommend/engine.js";
import { GI, input, MI, spec, usageFrom, workload } from "./fixtures.js";

const defaults = resolvePricing(undefined);

describe("cost model", () => {
  it("starts from OpenCost's default prices and a 730-hour month", () => {
    expect(defaults.prices).toEqual({
      cpuCoreHour: 0.031611,
      ramGiBHour: 0.004237,
      spotCpuCoreHour: 0.006655,
      spotRamGiBHour: 0.000892,
    });
    expect(defaults.hoursPerMonth).toBe(730);
  });

  it("prices cores and GiB per replica per month", () => {
    // (1 x 0.031611 + 1 x 0.004237) x 3 x 730 = 0.035848 x 2190 = 78.50712
    expect(monthlyCost([{ cpuRequest: 1000, memoryRequest: GI }], 3, defaults)).toBeCloseTo(78.50712, 6);
    // (0.25 x 0.031611 + 0.5 x 0.004237) x 2 x 730 = 0.01002125 x 1460 = 14.631025
    expect(monthlyCost([{ cpuRequest: 250, memoryRequest: 512 * MI }], 2, defaults)).toBeCloseTo(
      14.631025,
      6,
    );
  });

  it("adds containers of a pod and counts a lone limit as the request (Kubernetes copies it)", () => {
    const pod = [{ cpuRequest: 500 }, { cpuLimit: 500, memoryLimit: GI }];
    // (1 x 0.031611 + 1 x 0.004237) x 730 = 26.16904
    expect(monthlyCost(pod, 1, defaults)).toBeCloseTo(26.16904, 6);
  });

  it("prices spot at the spot rates", () => {
    // (2 x 0.006655 + 4 x 0.000892) x 1 x 730 = 0.016878 x 730 = 12.32094
    expect(monthlyCost([{ cpuRequest: 2000, memoryRequest: 4 * GI }], 1, defaults, true)).toBeCloseTo(
      12.32094,
      6,
    );
  });

  it("lets a node pool override a cluster, which overrides the defaults", () => {
    const config = {
      default: { ramGiBHour: 0.005 },
      clusters: { prod: { cpuCoreHour: 0.05, ramGiBHour: 0.006 } },
      nodePools: { big: { cpuCoreHour: 0.1 } },
      hoursPerMonth: 720,
    };
    const p = resolvePricing(config, { cluster: "prod", nodePool: "big" });
    expect(p.prices).toMatchObject({ cpuCoreHour: 0.1, ramGiBHour: 0.006, spotCpuCoreHour: 0.006655 });
    // (2 x 0.1 + 4 x 0.006) x 2 x 720 = 0.224 x 1440 = 322.56
    expect(monthlyCost([{ cpuRequest: 2000, memoryRequest: 4 * GI }], 2, p)).toBeCloseTo(322.56, 6);
    expect(resolvePricing(config, { cluster: "dev" }).prices.ramGiBHour).toBe(0.005);
  });

  it("ignores a null override rather than wiping the default", () => {
    const p = resolvePricing({ default: { cpuCoreHour: null as unknown as number } });
    expect(p.prices.cpuCoreHour).toBe(OPENCOST_DEFAULT_PRICES.cpuCoreHour);
  });

  it("rounds to cents and derives savings from the rounded figures", () => {
    const c = compareCosts(
      {
        current: { containers: [{ cpuRequest: 1000, memoryRequest: GI }], replicas: 3, spot: false },
        proposed: { containers: [{ cpuRequest: 225, memoryRequest: GI }], replicas: 3, spot: false },
      },
      defaults,
    );
    // proposed: (0.225 x 0.031611 + 0.004237) x 2190 = 0.011349475 x 2190 = 24.8555 -> 24.86; 78.51 - 24.86 = 53.65
    expect(c).toEqual({ currentCost: 78.51, optimizedCost: 24.86, monthlySavings: 53.65 });
  });

  it("puts the same figures on a recommendation", () => {
    const r = recommend(input());
    // proposed 200m: (0.2 x 0.031611 + 0.004237) x 2190 = 23.12; 78.51 - 23.12 = 55.39
    expect([r.currentCost, r.optimizedCost, r.monthlySavings]).toEqual([78.51, 23.12, 55.39]);
  });

  it("takes prices from the input, per the workload's node pool", () => {
    const r = recommend(
      input({
        workload: workload({ nodePool: "big" }),
        pricing: { nodePools: { big: { cpuCoreHour: 0.1, ramGiBHour: 0 } } },
      }),
    );
    // 3 x 1 core x 0.1 x 730 = 219; 3 x 200m x 0.1 x 730 = 43.8
    expect(r.currentCost).toBe(219);
    expect(r.optimizedCost).toBe(43.8);
  });

  it("prices an HPA-managed workload by the pods it really ran, floored at minReplicas", () => {
    const w = workload({ hpa: { name: "web", minReplicas: 2, maxReplicas: 10 } });
    // the profile shows 3 pods every hour: max(2, 3) = 3 either way, so only the request changes
    const r = recommend(
      input({ spec: spec({ optimizationType: "CPU" }), workload: w, usage: usageFrom({ cpu: () => 200 }) }),
    );
    expect(r.currentCost).toBe(78.51);
  });
});

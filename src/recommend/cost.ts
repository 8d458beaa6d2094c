// Monthly cost of a workload: (cores x CPU $/h + GiB x RAM $/h) x replicas x hours per month.
// Prices default to OpenCost's default price list and can be overridden per cluster and per
// node pool (node pool wins, as it is the more specific).

import type { PriceList, PricingConfig, Resources } from "./types.js";

/** OpenCost's default on-demand and spot prices (USD per vCPU-hour and per GiB-hour). */
export const OPENCOST_DEFAULT_PRICES: PriceList = {
  cpuCoreHour: 0.031611,
  ramGiBHour: 0.004237,
  spotCpuCoreHour: 0.006655,
  spotRamGiBHour: 0.000892,
};

/** OpenCost's month: 365 x 24 / 12. */
export const HOURS_PER_MONTH = 730;

const GI = 2 ** 30;

export interface ResolvedPricing {
  prices: PriceList;
  hoursPerMonth: number;
}

export function resolvePricing(
  config: PricingConfig | undefined,
  where: { cluster?: string; nodePool?: string } = {},
): ResolvedPricing {
  const prices: PriceList = {
    ...OPENCOST_DEFAULT_PRICES,
    ...definedOnly(config?.default),
    ...definedOnly(where.cluster === undefined ? undefined : config?.clusters?.[where.cluster]),
    ...definedOnly(where.nodePool === undefined ? undefined : config?.nodePools?.[where.nodePool]),
  };
  return { prices, hoursPerMonth: config?.hoursPerMonth ?? HOURS_PER_MONTH };
}

// A YAML override like `cpuCoreHour: null` must not wipe the default.
function definedOnly(p: Partial<PriceList> | undefined): Partial<PriceList> {
  if (!p) return {};
  return Object.fromEntries(Object.entries(p).filter(([, v]) => typeof v === "number" && Number.isFinite(v)));
}

/** What the scheduler reserves: the request, or the limit when only a limit is set (Kubernetes copies it). */
export function effectiveCpu(r: Resources): number {
  return r.cpuRequest ?? r.cpuLimit ?? 0;
}

export function effectiveMemory(r: Resources): number {
  return r.memoryRequest ?? r.memoryLimit ?? 0;
}

/** USD per hour for one pod with these containers. */
export function podHourlyCost(containers: Resources[], prices: PriceList, spot: boolean): number {
  let millicores = 0;
  let bytes = 0;
  for (const c of containers) {
    millicores += effectiveCpu(c);
    bytes += effectiveMemory(c);
  }
  const cpuPrice = spot ? prices.spotCpuCoreHour : prices.cpuCoreHour;
  const ramPrice = spot ? prices.spotRamGiBHour : prices.ramGiBHour;
  return (millicores / 1000) * cpuPrice + (bytes / GI) * ramPrice;
}

/** USD per month for `replicas` pods (may be fractional: an average over the month). */
export function monthlyCost(
  containers: Resources[],
  replicas: number,
  pricing: ResolvedPricing,
  spot = false,
): number {
  return podHourlyCost(containers, pricing.prices, spot) * replicas * pricing.hoursPerMonth;
}

/** Cents are the unit anyone reads; more digits only add noise to a PR. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 100) / 100;
}

export interface CostInputs {
  current: { containers: Resources[]; replicas: number; spot: boolean };
  proposed: { containers: Resources[]; replicas: number; spot: boolean };
}

export interface Costs {
  currentCost: number;
  optimizedCost: number;
  monthlySavings: number;
}

/** Current and optimized monthly cost, rounded to cents; savings is their difference. */
export function compareCosts(inputs: CostInputs, pricing: ResolvedPricing): Costs {
  const currentCost = roundUsd(
    monthlyCost(inputs.current.containers, inputs.current.replicas, pricing, inputs.current.spot),
  );
  const optimizedCost = roundUsd(
    monthlyCost(inputs.proposed.containers, inputs.proposed.replicas, pricing, inputs.proposed.spot),
  );
  return { currentCost, optimizedCost, monthlySavings: roundUsd(currentCost - optimizedCost) };
}

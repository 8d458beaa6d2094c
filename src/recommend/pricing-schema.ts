// The JSON Schema of a --pricing file (PricingConfig): USD per vCPU-hour and per GiB-hour, on
// demand and spot, for every cluster (default), per cluster and per node pool, and the hours
// in a month. A price is a finite number >= 0; a misspelt key is an error, not ignored.

import type { PriceList } from "./types.js";

/** Each price key and what it is, for the schema and the README. */
export const PRICE_KEYS: Record<keyof PriceList, string> = {
  cpuCoreHour: "USD per vCPU-hour, on demand",
  ramGiBHour: "USD per GiB of memory per hour, on demand",
  spotCpuCoreHour: "USD per vCPU-hour on spot nodes",
  spotRamGiBHour: "USD per GiB of memory per hour on spot nodes",
};

const priceList = {
  type: "object",
  additionalProperties: false,
  properties: Object.fromEntries(
    Object.entries(PRICE_KEYS).map(([key, description]) => [
      key,
      { type: "number", minimum: 0, description },
    ]),
  ),
};

export const PRICING_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    default: { ...priceList, description: "prices for every cluster (OpenCost's defaults where left out)" },
    clusters: {
      type: "object",
      additionalProperties: priceList,
      description: "prices by cluster name (--cluster), over the defaults",
    },
    nodePools: {
      type: "object",
      additionalProperties: priceList,
      description: "prices by node pool, over the cluster's",
    },
    hoursPerMonth: { type: "number", exclusiveMinimum: 0, description: "hours in a month (default 730)" },
  },
} as const;

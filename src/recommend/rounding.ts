// Rounds proposals up to values a reviewer would have written by hand: "250m", not "237m";
// "384Mi", not "371.4Mi". Always up, so rounding never eats into the computed headroom.
// Two tables each: "reviewer" (coarse, round numbers) and "fine" (still whole, readable
// values, less padding). The strategies default to fine: on the replay benchmark
// (test/bench/recommend.bench.ts) the coarse steps cost about 1% of the savings for no
// measurable drop in risk.

const MI = 2 ** 20;
const GI = 2 ** 30;

/** [upper bound (exclusive), step]: the step used below each bound. */
export const CPU_ROUNDING: [number, number][] = [
  [100, 5],
  [1000, 25],
  [4000, 100],
  [Number.POSITIVE_INFINITY, 250],
];

export const MEMORY_ROUNDING: [number, number][] = [
  [256 * MI, 16 * MI],
  [GI, 32 * MI],
  [4 * GI, 128 * MI],
  [Number.POSITIVE_INFINITY, 256 * MI],
];

/** 5m steps below 1 core, 25m below 4 cores, then 50m. */
export const CPU_ROUNDING_FINE: [number, number][] = [
  [1000, 5],
  [4000, 25],
  [Number.POSITIVE_INFINITY, 50],
];

/** 4Mi steps below 1Gi, 16Mi below 4Gi, then 64Mi. */
export const MEMORY_ROUNDING_FINE: [number, number][] = [
  [GI, 4 * MI],
  [4 * GI, 16 * MI],
  [Number.POSITIVE_INFINITY, 64 * MI],
];

function roundUp(value: number, steps: [number, number][]): number {
  for (const [bound, step] of steps) if (value < bound) return Math.ceil(value / step) * step;
  return value;
}

/** Down to the step of the value's band: a stepped increase stays within maxChangePercent. */
function roundDown(value: number, steps: [number, number][]): number {
  for (const [bound, step] of steps) if (value < bound) return Math.floor(value / step) * step;
  return value;
}

export function roundCpuDown(millicores: number, steps: [number, number][] = CPU_ROUNDING_FINE): number {
  return roundDown(Math.max(0, millicores), steps);
}

export function roundMemoryDown(bytes: number, steps: [number, number][] = MEMORY_ROUNDING_FINE): number {
  return roundDown(Math.max(0, bytes), steps);
}

/** Millicores rounded up: 5m steps below 100m, 25m below 1 core, 100m below 4 cores, then 250m. */
export function roundCpuUp(millicores: number, steps: [number, number][] = CPU_ROUNDING): number {
  return roundUp(Math.max(0, millicores), steps);
}

/** Bytes rounded up: 16Mi steps below 256Mi, 32Mi below 1Gi, 128Mi below 4Gi, then 256Mi. */
export function roundMemoryUp(bytes: number, steps: [number, number][] = MEMORY_ROUNDING): number {
  return roundUp(Math.max(0, bytes), steps);
}

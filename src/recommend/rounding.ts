// Rounds proposals up to values a reviewer would have written by hand: "250m", not "237m";
// "384Mi", not "371.4Mi". Always up, so rounding never eats into the computed headroom.

const MI = 2 ** 20;
const GI = 2 ** 30;

/** [upper bound (exclusive), step]: the step used below each bound. */
const CPU_STEPS: [number, number][] = [
  [100, 5],
  [1000, 25],
  [4000, 100],
  [Number.POSITIVE_INFINITY, 250],
];

const MEMORY_STEPS: [number, number][] = [
  [256 * MI, 16 * MI],
  [GI, 32 * MI],
  [4 * GI, 128 * MI],
  [Number.POSITIVE_INFINITY, 256 * MI],
];

function roundUp(value: number, steps: [number, number][]): number {
  for (const [bound, step] of steps) if (value < bound) return Math.ceil(value / step) * step;
  return value;
}

/** Millicores rounded up: 5m steps below 100m, 25m below 1 core, 100m below 4 cores, then 250m. */
export function roundCpuUp(millicores: number): number {
  return roundUp(Math.max(0, millicores), CPU_STEPS);
}

/** Bytes rounded up: 16Mi steps below 256Mi, 32Mi below 1Gi, 128Mi below 4Gi, then 256Mi. */
export function roundMemoryUp(bytes: number): number {
  return roundUp(Math.max(0, bytes), MEMORY_STEPS);
}

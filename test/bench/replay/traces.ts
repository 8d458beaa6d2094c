// Generated usage traces for the replay benchmark: per pod, one CPU (millicores) and one
// working-set (bytes) value every 5 minutes for four weeks. Each shape is a kind of workload
// that real clusters run; the seed draws the noise, the burst times and the phases.

import { gaussian, mulberry32, seedFrom } from "../../../src/metrics/prng.js";

export const STEP = 300;
export const DAY = 86_400;
export const DAYS = 28;
export const PODS = 3;
const MI = 2 ** 20;
/** A Monday, 00:00 UTC: day 0 of every trace. */
export const START = Date.UTC(2026, 0, 5) / 1000;

export const SHAPES = [
  "steady",
  "diurnal",
  "weekly",
  "bursty",
  "dailyBatch",
  "leakSawtooth",
  "oomSpikes",
  "linearGrowth",
  "stepChange",
  "idle",
] as const;
export type Shape = (typeof SHAPES)[number];

export interface Trace {
  shape: Shape;
  seed: number;
  /** [pod][step] */
  cpu: Float64Array[];
  memory: Float64Array[];
}

/** 0..1 busy-ness of a working day: up 08:00, peak 14:00, down by 20:00 UTC. */
function dayCurve(hour: number): number {
  return hour < 8 || hour >= 20 ? 0 : Math.sin(((hour - 8) / 12) * Math.PI);
}

function isWeekend(t: number): boolean {
  const weekday = (Math.floor((t - START) / DAY) % 7) + 1; // START is a Monday (1)
  return weekday === 6 || weekday === 7;
}

export function generateTrace(shape: Shape, seed: number): Trace {
  const steps = (DAYS * DAY) / STEP;
  const shared = mulberry32(seedFrom("replay", shape, seed));
  // Drawn once per trace: phases and event times every pod shares.
  const leakPhase = shared() * 4 * DAY;
  // Heavy-tailed heights (Pareto, alpha 2.5, capped at 6x): the next spike may top every one seen.
  const spikes = Array.from({ length: DAYS * 2 }, () => ({
    at: shared() * DAYS * DAY,
    height: Math.min(6, 1.3 * (1 - shared()) ** (-1 / 2.5)),
  }));
  const cpu: Float64Array[] = [];
  const memory: Float64Array[] = [];
  for (let pod = 0; pod < PODS; pod++) {
    const rnd = mulberry32(seedFrom("replay", shape, seed, pod));
    const noise = (sd: number) => gaussian(rnd) * sd;
    const c = new Float64Array(steps);
    const m = new Float64Array(steps);
    let burst = 0;
    for (let i = 0; i < steps; i++) {
      const s = i * STEP;
      const t = START + s;
      const hour = Math.floor((s % DAY) / 3600);
      const day = s / DAY;
      let cv: number;
      let mv: number;
      switch (shape) {
        case "steady":
          cv = 300 + noise(30);
          mv = 400 * MI + noise(5 * MI);
          break;
        case "diurnal":
          cv = 80 + 420 * dayCurve(hour) + noise(25);
          mv = 350 * MI + 80 * MI * dayCurve(hour) + noise(5 * MI);
          break;
        case "weekly": {
          const busy = isWeekend(t) ? 0.15 : 1;
          cv = 60 + 500 * busy * dayCurve(hour) + noise(20);
          mv = 300 * MI + 120 * MI * busy * dayCurve(hour) + noise(5 * MI);
          break;
        }
        case "bursty":
          if (burst > 0) burst--;
          else if (rnd() < 0.01) burst = 1 + Math.floor(rnd() * 3);
          cv = (burst > 0 ? 700 + rnd() * 500 : 200) + noise(25);
          mv = 500 * MI + noise(10 * MI);
          break;
        case "dailyBatch": {
          const running = hour >= 1 && hour < 3;
          cv = running ? 900 + noise(60) : 40 + noise(5);
          mv = running ? 700 * MI + noise(10 * MI) : 250 * MI + noise(5 * MI);
          break;
        }
        case "leakSawtooth": {
          // Grows 60Mi a day and is restarted every 4 days.
          const age = (s + leakPhase) % (4 * DAY);
          cv = 200 + noise(20);
          mv = 300 * MI + (60 * MI * age) / DAY + noise(3 * MI);
          break;
        }
        case "oomSpikes": {
          cv = 250 + noise(25);
          const spike = spikes.find((k) => s >= k.at && s < k.at + 900);
          mv = 500 * MI * (spike ? spike.height : 1) + noise(8 * MI);
          break;
        }
        case "linearGrowth":
          // A leak that is never restarted, and traffic growing 2% a day.
          cv = 200 * (1 + 0.02 * day) + noise(20);
          mv = 300 * MI + 15 * MI * day + noise(4 * MI);
          break;
        case "stepChange": {
          // A release on day 9 doubled the cache and half again the CPU.
          const after = day >= 9;
          cv = (after ? 350 : 200) + noise(25);
          mv = (after ? 450 : 300) * MI + noise(5 * MI);
          break;
        }
        case "idle":
          cv = 3 + Math.abs(noise(1));
          mv = 60 * MI + noise(MI);
          break;
      }
      c[i] = Math.max(0, cv);
      m[i] = Math.max(MI, mv);
    }
    cpu.push(c);
    memory.push(m);
  }
  return { shape, seed, cpu, memory };
}

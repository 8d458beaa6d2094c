// Per-day statistics of one container: the input of trend and step-change detection
// (src/recommend/trend.ts) and, later, of incremental usage (a day already read need not be
// read again). Every field is a sum, a count or a maximum, so two DayStats of the same day
// merge exactly (pods, sources, or a stored day and a new read) with mergeDays().
// Days are UTC days numbered from the epoch (floor(t / 86400)).

export interface DayStats {
  /** floor(unix seconds / 86400). */
  day: number;
  /** Sum and count of the CPU rates (millicores) that fell in the day: mean = cpuSum / cpuCount. */
  cpuSum: number;
  cpuCount: number;
  cpuMax: number;
  /** Largest working set (bytes) sampled in the day, and the number of memory samples. */
  memoryMax: number;
  memoryCount: number;
}

export const SECONDS_PER_DAY = 86_400;

export function dayOf(unixSeconds: number): number {
  return Math.floor(unixSeconds / SECONDS_PER_DAY);
}

function emptyDay(day: number): DayStats {
  return { day, cpuSum: 0, cpuCount: 0, cpuMax: 0, memoryMax: 0, memoryCount: 0 };
}

/** Adds b's figures into a (same day). */
function mergeInto(a: DayStats, b: DayStats): void {
  a.cpuSum += b.cpuSum;
  a.cpuCount += b.cpuCount;
  a.cpuMax = Math.max(a.cpuMax, b.cpuMax);
  a.memoryMax = Math.max(a.memoryMax, b.memoryMax);
  a.memoryCount += b.memoryCount;
}

/** The union of several day lists, same days merged, sorted by day. */
export function mergeDays(...lists: readonly (readonly DayStats[])[]): DayStats[] {
  const byDay = new Map<number, DayStats>();
  for (const list of lists)
    for (const d of list) {
      const have = byDay.get(d.day);
      if (have) mergeInto(have, d);
      else byDay.set(d.day, { ...d });
    }
  return [...byDay.values()].sort((a, b) => a.day - b.day);
}

/** Mean CPU of the day, millicores; undefined when the day has no CPU sample. */
export function meanCpu(d: DayStats): number | undefined {
  return d.cpuCount > 0 ? d.cpuSum / d.cpuCount : undefined;
}

/** Collects one series' samples into days (the accumulator keeps one per pod and container). */
export class DailyCollector {
  private readonly days = new Map<number, DayStats>();

  private at(day: number): DayStats {
    let d = this.days.get(day);
    if (!d) {
      d = emptyDay(day);
      this.days.set(day, d);
    }
    return d;
  }

  cpu(day: number, millicores: number): void {
    const d = this.at(day);
    d.cpuSum += millicores;
    d.cpuCount++;
    if (millicores > d.cpuMax) d.cpuMax = millicores;
  }

  memory(day: number, bytes: number): void {
    const d = this.at(day);
    d.memoryCount++;
    if (bytes > d.memoryMax) d.memoryMax = bytes;
  }

  result(): DayStats[] {
    return mergeDays([...this.days.values()]);
  }
}

// How long a recommendation must hold: until the next one can land. With a schedule that is
// the time between two runs; otherwise the metrics window (costopt looks again when a new
// window of data exists). Growth is projected this far.

import { CronExpressionParser } from "cron-parser";
import { parseWindow } from "../api/duration.js";
import type { CostOptimizationSpec } from "../api/types.js";

const DAY = 86_400;

export function horizonDays(spec: CostOptimizationSpec, now: Date): number {
  if (spec.schedule) {
    try {
      const runs = CronExpressionParser.parse(spec.schedule.trim(), { currentDate: now, tz: "UTC" });
      const first = runs.next().getTime();
      const second = runs.next().getTime();
      if (second > first) return (second - first) / 1000 / DAY;
    } catch {
      // An invalid schedule is refused by validation; fall back to the window here.
    }
  }
  return (parseWindow(spec.metricsWindow) ?? 7 * DAY) / DAY;
}

// UsageSource over an OpenMetrics file (e.g. one written by generator.ts, or an export of a
// real cluster). One streaming pass: every series of interest gets a resampler onto the shared
// grid and a sink of the accumulator, so memory is per series, not per sample.

import { UsageAccumulator } from "./accumulator.js";
import { chooseStep, gridEnd, LOOKBACK_SECONDS, makeGrid } from "./grid.js";
import { parseLabels, readOpenMetrics } from "./openmetrics.js";
import { containerSeries, type Handler, ignored } from "./raw-series.js";
import * as S from "./series.js";
import type { TimeWindow, UsageSource, WorkloadRef, WorkloadUsage } from "./types.js";

export interface FileSourceOptions {
  path: string;
  /** Seconds between samples of a series; read from the file's first series when absent. */
  resolutionSeconds?: number;
}

export class FileUsageSource implements UsageSource {
  readonly description: string;

  constructor(private readonly options: FileSourceOptions) {
    this.description = `file ${options.path}`;
  }

  async usage(workloads: WorkloadRef[], window: TimeWindow): Promise<Map<string, WorkloadUsage>> {
    const resolution = this.options.resolutionSeconds ?? (await detectResolution(this.options.path));
    const grid = makeGrid(window, chooseStep(window, resolution));
    const acc = new UsageAccumulator(workloads, window, grid);
    const handlers = new Map<string, Handler>();
    const hpaReplicas: [string, string, "minReplicas" | "maxReplicas", number][] = [];
    // Owner and HPA series count when they have a sample where the grid can see one, which is
    // what Prometheus's /api/v1/series and last_over_time answer for the same range.
    const from = grid.start - LOOKBACK_SECONDS;
    const to = gridEnd(grid);
    const inRange = (t: number) => t >= from && t <= to;

    const create = (name: string, labelText: string): Handler => {
      const l = parseLabels(labelText);
      const ns = l.namespace ?? "";
      if (!acc.wants(ns)) return ignored;
      const pod = l.pod ?? "";
      switch (name) {
        case S.POD_OWNER:
          return once(inRange, () => acc.owners.addPodOwner(ns, pod, l.owner_kind ?? "", l.owner_name ?? ""));
        case S.REPLICASET_OWNER:
          return once(inRange, () =>
            acc.owners.addReplicaSetOwner(ns, l.replicaset ?? "", l.owner_kind ?? "", l.owner_name ?? ""),
          );
        case S.JOB_OWNER:
          return once(inRange, () =>
            acc.owners.addJobOwner(ns, l.job_name ?? "", l.owner_kind ?? "", l.owner_name ?? ""),
          );
        case S.HPA_INFO:
          return once(inRange, () =>
            acc.addHpa(
              ns,
              l.horizontalpodautoscaler ?? "",
              l.scaletargetref_kind ?? "",
              l.scaletargetref_name ?? "",
            ),
          );
        case S.HPA_MIN:
        case S.HPA_MAX: {
          const entry: [string, string, "minReplicas" | "maxReplicas", number] = [
            ns,
            l.horizontalpodautoscaler ?? "",
            name === S.HPA_MIN ? "minReplicas" : "maxReplicas",
            Number.NaN,
          ];
          hpaReplicas.push(entry);
          return track((t, v) => {
            if (inRange(t)) entry[3] = v;
          });
        }
        default:
          return containerSeries(acc, name, l);
      }
    };

    // Series are usually written one after another, so the previous line's series is checked first.
    let lastKey = "";
    let last: Handler = ignored;
    await readOpenMetrics(this.options.path, (s) => {
      if (s.seriesKey !== lastKey) {
        lastKey = s.seriesKey;
        let h = handlers.get(s.seriesKey);
        if (!h) {
          h = interesting(s.name) ? create(s.name, s.labelText) : ignored;
          handlers.set(detach(s.seriesKey), h);
        }
        last = h;
      }
      if (last === ignored) return;
      if (s.timestamp <= last.lastT) {
        throw new Error(
          `sample at ${s.timestamp} is not after the previous one (${last.lastT}) of ${s.seriesKey}`,
        );
      }
      last.lastT = s.timestamp;
      last.push(s.timestamp, s.value);
      return undefined;
    });
    for (const h of handlers.values()) h.end();
    for (const [ns, name, field, v] of hpaReplicas) acc.setHpaReplicas(ns, name, field, v);
    return acc.finish();
  }
}

const NAMES = new Set([
  S.CPU,
  S.MEMORY,
  S.RESTARTS,
  S.TERMINATED,
  S.POD_OWNER,
  S.REPLICASET_OWNER,
  S.HPA_INFO,
  S.HPA_MIN,
  S.HPA_MAX,
]);

/**
 * A copy of a string that does not point into the chunk it was cut from: V8 keeps a slice's
 * whole parent (a megabyte of file text) alive for as long as the slice lives.
 */
function detach(s: string): string {
  return `${s} `.slice(0, -1);
}

function interesting(name: string): boolean {
  return NAMES.has(name);
}

function track(push: (t: number, v: number) => void): Handler {
  return { lastT: Number.NEGATIVE_INFINITY, push, end() {} };
}

/** Calls f the first time the series has a sample in range. */
function once(inRange: (t: number) => boolean, f: () => void): Handler {
  let done = false;
  return track((t) => {
    if (!done && inRange(t)) {
      done = true;
      f();
    }
  });
}

/** The smallest gap between two consecutive samples of one of the first series in the file. */
export async function detectResolution(path: string): Promise<number> {
  const lastSeen = new Map<string, number>();
  let found = Number.NaN;
  await readOpenMetrics(path, (s) => {
    if (s.name !== S.CPU && s.name !== S.MEMORY) return undefined;
    const prev = lastSeen.get(s.seriesKey);
    if (prev !== undefined && s.timestamp > prev) {
      found = s.timestamp - prev;
      return false;
    }
    lastSeen.set(s.seriesKey, s.timestamp);
    return undefined;
  });
  if (!Number.isFinite(found)) {
    throw new Error(
      `cannot tell the data's resolution from ${path} (no series with two samples); set it explicitly`,
    );
  }
  return found;
}

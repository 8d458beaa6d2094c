// UsageSource over the Prometheus HTTP API. Namespace by namespace (never per pod or workload):
// one /api/v1/series call for the owner and HPA series (index only, no samples); one remote read
// streaming the raw samples of the CPU counters and working sets as stored chunks (each sample
// read once, no query engine, no JSON) through the same resamplers as the file source; one range
// query for restart counters and OOM reasons on the hourly grid; and, where an HPA exists, one
// query for its few series. Without remote read, range queries at the grid step return the same
// grid points as JSON (much dearer for the server). Each frame or response is folded into the shared
// accumulator as it arrives, so memory holds at most one namespace's answer.

import { redactUrl } from "../telemetry/redact.js";
import { type PointSink, type SeriesSink, UsageAccumulator } from "./accumulator.js";
import { chooseStep, type Grid, gridEnd, LOOKBACK_SECONDS, makeGrid } from "./grid.js";
import { parseValue } from "./openmetrics.js";
import {
  type MatrixSeries,
  PrometheusClient,
  type PrometheusConnection,
  PrometheusError,
  type QueryStats,
} from "./prometheus-client.js";
import { CONTAINER_LABELS, containerSeries, type Handler, InOrder } from "./raw-series.js";
import { decodeXorChunk, LabelNames, type Matcher, type RemoteReadQuery } from "./remote-read.js";
import * as S from "./series.js";
import type { TimeWindow, UsageSource, WorkloadRef, WorkloadUsage } from "./types.js";

export interface PrometheusSourceOptions extends PrometheusConnection {
  /** Seconds between samples (the scrape interval); detected from the data when absent. */
  resolutionSeconds?: number;
  /**
   * How the samples are read. "remote-read" (default) streams the raw samples as stored
   * chunks and resamples them here, exactly as the file source does: cheap for Prometheus and
   * for us. "query-range" asks for the grid points as JSON range queries, for Prometheus-like
   * servers without remote read; the source also falls back to it by itself when remote read
   * is unavailable.
   */
  read?: "remote-read" | "query-range";
}

/** One range of raw samples to read into an accumulator (whose grid lies inside it). */
export interface ReadTarget {
  acc: PointSink;
  from: number;
  end: number;
  /** Also read restart/OOM events (on the accumulator's event grid) and HPAs. */
  events: boolean;
  /** Read the CPU and memory samples (default): false for a target of events and HPAs only. */
  samples?: boolean;
}

/** The labels readRaw decodes of each series; the others stay bytes. */
const SERIES_LABELS = new LabelNames(CONTAINER_LABELS);

/** Assumed when the data is too sparse to tell (then there is little to compute anyway). */
const FALLBACK_RESOLUTION = 60;

export class PrometheusUsageSource implements UsageSource {
  readonly description: string;
  /** The read path in use; turns to "query-range" if the server has no remote read. */
  mode: "remote-read" | "query-range";
  private readonly client: PrometheusClient;

  constructor(private readonly options: PrometheusSourceOptions) {
    this.client = new PrometheusClient(options);
    this.mode = options.read ?? "remote-read";
    this.description = `prometheus ${redactUrl(options.url)}`;
  }

  /**
   * Calls made, and samples read: as Prometheus reports them (stats=all) for queries, as decoded
   * for remote read; since this source was made.
   */
  get stats(): QueryStats {
    return this.client.stats;
  }

  async usage(workloads: WorkloadRef[], window: TimeWindow): Promise<Map<string, WorkloadUsage>> {
    const resolution = await this.resolution(workloads, window);
    const grid = makeGrid(window, chooseStep(window, resolution));
    const acc = new UsageAccumulator(workloads, window, grid);
    if (grid.count === 0) return acc.finish();
    await this.read(acc.namespaces, [
      { acc, from: grid.start - LOOKBACK_SECONDS, end: gridEnd(grid), events: true },
    ]);
    return acc.finish();
  }

  /** When the server last started, if it says (PrometheusClient.startTime). */
  startTime(): Promise<string | undefined> {
    return this.client.startTime();
  }

  /** The scrape interval: configured, or detected from the data. */
  async resolution(workloads: WorkloadRef[], window: TimeWindow): Promise<number> {
    return this.options.resolutionSeconds ?? (await this.detectResolution(workloads, window));
  }

  /**
   * Reads every target's raw samples (from..end, unix seconds) into its accumulator, namespace by
   * namespace, all targets of a namespace in one remote read; restart and OOM events and HPAs
   * only for targets that ask for events. The accumulators must want the same namespaces.
   * `together` asks for all namespaces at once; `ownersFrom` starts the owner series earlier than
   * the targets do, for points read before (kept ahead) whose pods are resolved with them.
   */
  async read(
    namespaces: string[],
    targets: ReadTarget[],
    options: { together?: boolean; ownersFrom?: number } = {},
  ): Promise<void> {
    // Remote read streams frame by frame, so two namespaces in flight hold no more than two
    // frames and keep both Prometheus and this process busy; range-query answers are held
    // whole, so that path asks for one namespace at a time. A short range (an incremental
    // pass) is small enough to ask for all namespaces at once: a few calls instead of a few per
    // namespace.
    const groups = options.together ? [namespaces] : namespaces.map((ns) => [ns]);
    let next = 0;
    const worker = async () => {
      while (next < groups.length)
        await this.namespace(groups[next++] as string[], targets, options.ownersFrom);
    };
    await Promise.all(Array.from({ length: this.mode === "remote-read" ? 2 : 1 }, worker));
  }

  private async namespace(group: string[], targets: ReadTarget[], ownersFrom?: number): Promise<void> {
    const from = Math.min(ownersFrom ?? Number.POSITIVE_INFINITY, ...targets.map((t) => t.from));
    const end = Math.max(...targets.map((t) => t.end));
    const withEvents = targets.filter((t) => t.events);
    // The owner series, the samples and the events do not depend on one another (pods are
    // resolved only once all are in), so all are asked for at once.
    const hpas = this.owners(group, targets, from, end).then((found) =>
      found ? Promise.all(withEvents.map((t) => this.queryHpas(t.acc, group, t.from, t.end))) : undefined,
    );
    await Promise.all([
      hpas,
      this.samples(
        group,
        targets.filter((t) => t.samples !== false),
      ),
      ...withEvents.map((t) => this.queryEvents(t.acc, group)),
    ]);
  }

  /** The owner series of the group into every target's owner index; whether any HPA exists. */
  private async owners(group: string[], targets: ReadTarget[], from: number, end: number): Promise<boolean> {
    const sel = `{${nsMatch(group)}}`;
    let hpas = false;
    // Targets may share an index (a recorder and the accumulator of one pass): fill each once.
    const indexes = new Set(targets.map((t) => t.acc.owners));
    for (const l of await this.client.series(
      [S.POD_OWNER + sel, S.REPLICASET_OWNER + sel, S.JOB_OWNER + sel, S.HPA_INFO + sel],
      from,
      end,
    )) {
      const ns = l.namespace ?? "";
      for (const owners of indexes) {
        if (l.__name__ === S.POD_OWNER)
          owners.addPodOwner(ns, l.pod ?? "", l.owner_kind ?? "", l.owner_name ?? "");
        else if (l.__name__ === S.REPLICASET_OWNER) {
          owners.addReplicaSetOwner(ns, l.replicaset ?? "", l.owner_kind ?? "", l.owner_name ?? "");
        } else if (l.__name__ === S.JOB_OWNER) {
          owners.addJobOwner(ns, l.job_name ?? "", l.owner_kind ?? "", l.owner_name ?? "");
        }
      }
      if (l.__name__ === S.HPA_INFO) hpas = true;
    }
    return hpas;
  }

  /** The CPU and memory samples of every target: by remote read, else by range queries. */
  private async samples(group: string[], targets: ReadTarget[]): Promise<void> {
    if (targets.length === 0) return;
    if (this.mode === "remote-read") {
      try {
        await this.readRaw(targets, group);
        return;
      } catch (e) {
        // A server without remote read (or one that does not stream chunks) is asked by range
        // queries instead, from this namespace on; other failures are real.
        if (
          !(e instanceof PrometheusError) ||
          (e as { retryable?: boolean }).retryable ||
          !/unavailable/.test(e.message)
        ) {
          throw e;
        }
        this.mode = "query-range";
      }
    }
    for (const t of targets) await this.queryGrid(t.acc, group, t.acc.grid);
  }

  /**
   * HPAs and their replica bounds: the raw samples in range of the few HPA series (the series
   * API above only says some exist, at chunk granularity), read as the file source reads them.
   */
  private async queryHpas(acc: PointSink, group: string[], from: number, end: number): Promise<void> {
    const names = `${S.HPA_INFO}|${S.HPA_MIN}|${S.HPA_MAX}`;
    const series = await this.client.queryRaw(
      `{__name__=~"${names}",${nsMatch(group)}}[${end - from}s]`,
      end,
    );
    const last = (s: MatrixSeries) => parseValue(s.values[s.values.length - 1]?.[1] ?? "NaN");
    for (const { metric: l, values } of series) {
      if (l.__name__ !== S.HPA_INFO || values.length === 0) continue;
      acc.addHpa(
        l.namespace ?? "",
        l.horizontalpodautoscaler ?? "",
        l.scaletargetref_kind ?? "",
        l.scaletargetref_name ?? "",
      );
    }
    for (const s of series) {
      const field =
        s.metric.__name__ === S.HPA_MIN
          ? "minReplicas"
          : s.metric.__name__ === S.HPA_MAX
            ? "maxReplicas"
            : undefined;
      if (field)
        acc.setHpaReplicas(s.metric.namespace ?? "", s.metric.horizontalpodautoscaler ?? "", field, last(s));
    }
  }

  /** Every raw CPU and memory sample of the namespace in each target's range, streamed through the shared resamplers. */
  private async readRaw(targets: ReadTarget[], group: string[]): Promise<void> {
    const inNs: Matcher =
      group.length === 1
        ? { type: "=", name: "namespace", value: group[0] as string }
        : { type: "=~", name: "namespace", value: group.map(regexQuote).join("|") };
    const queries: RemoteReadQuery[] = targets.map((t) => ({
      startMs: t.from * 1000,
      endMs: t.end * 1000,
      matchers: [
        { type: "=~", name: "__name__", value: `${S.CPU}|${S.MEMORY}` },
        inNs,
        { type: "!~", name: "container", value: "|POD" },
      ],
    }));
    // A long series can come in several frames; its handler lives until the namespace is done.
    // Keyed by the labels as encoded (no decoding, no JSON), one map per query.
    const handlers = targets.map(() => new Map<string, Handler>());
    // Ended in the order they were made, as they always were.
    const made: Handler[] = [];
    const sink = new InOrder();
    let samples = 0;
    await this.client.remoteRead(queries, (series) => {
      const byKey = handlers[series.queryIndex] as Map<string, Handler>;
      const key = series.labelKey();
      let h = byKey.get(key);
      if (!h) {
        const acc = (targets[series.queryIndex] as ReadTarget).acc;
        const labels = series.pick(SERIES_LABELS);
        h = containerSeries(acc, labels.__name__ ?? "", labels);
        byKey.set(key, h);
        made.push(h);
      }
      sink.handler = h;
      for (const chunk of series.chunks) samples += decodeXorChunk(chunk, sink);
    });
    for (const h of made) h.end();
    this.client.stats.samplesTouched += samples;
  }

  /** The same data as range queries at the grid's step (for servers without remote read). */
  private async queryGrid(acc: PointSink, group: string[], grid: Grid): Promise<void> {
    const end = gridEnd(grid);
    const sel = (metric: string) => `${metric}{${nsMatch(group)},container!="",container!="POD"}`;
    feed(await this.client.queryRange(sel(S.CPU), grid.start, end, grid.step), grid, (l) =>
      acc.cpuSeries(l.namespace ?? "", l.pod ?? "", l.container ?? ""),
    );
    feed(await this.client.queryRange(sel(S.MEMORY), grid.start, end, grid.step), grid, (l) =>
      acc.memorySeries(l.namespace ?? "", l.pod ?? "", l.container ?? ""),
    );
  }

  /**
   * Restart counters and OOM reasons on the hourly grid, by range query: at one point an hour
   * they are a small answer, while their raw samples would be as many as the CPU's.
   */
  private async queryEvents(acc: PointSink, group: string[]): Promise<void> {
    const eg = acc.eventGrid;
    if (eg.count === 0) return;
    // Both series in one query; the empty alternative lets the restart counter (no reason label) through.
    const events = `{__name__=~"${S.RESTARTS}|${S.TERMINATED}",${nsMatch(group)},reason=~"OOMKilled|"}`;
    feed(await this.client.queryRange(events, eg.start, gridEnd(eg), eg.step), eg, (l) =>
      l.__name__ === S.RESTARTS
        ? acc.restartSeries(l.namespace ?? "", l.pod ?? "", l.container ?? "")
        : acc.oomSeries(l.namespace ?? "", l.pod ?? "", l.container ?? ""),
    );
  }

  /** The scrape interval, from an hour of raw samples of one requested workload's pods. */
  private async detectResolution(workloads: WorkloadRef[], window: TimeWindow): Promise<number> {
    for (const w of workloads.slice(0, 5)) {
      const pods = `${w.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-.*`;
      const sel = `${S.CPU}{namespace="${S.promString(w.namespace)}",pod=~"${S.promString(pods)}",container!="",container!="POD"}[1h]`;
      for (const t of [window.end, (window.start + window.end) / 2]) {
        const gaps: number[] = [];
        for (const s of await this.client.queryRaw(sel, Math.floor(t))) {
          for (let k = 1; k < s.values.length; k++) {
            gaps.push((s.values[k]?.[0] as number) - (s.values[k - 1]?.[0] as number));
          }
        }
        if (gaps.length > 0) {
          gaps.sort((a, b) => a - b);
          return Math.round(gaps[gaps.length >> 1] as number);
        }
      }
    }
    return FALLBACK_RESOLUTION;
  }
}

/** The namespace label matcher for one namespace or several. */
function nsMatch(group: string[]): string {
  if (group.length === 1) return `namespace="${S.promString(group[0] as string)}"`;
  return `namespace=~"${S.promString(group.map(regexQuote).join("|"))}"`;
}

function regexQuote(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Hands every point of every series to its sink; grid index from the evaluation time. */
function feed(result: MatrixSeries[], grid: Grid, sinkFor: (labels: S.Labels) => SeriesSink): void {
  for (const s of result) {
    const sink = sinkFor(s.metric);
    for (const [t, v] of s.values) sink.point(Math.round((t - grid.start) / grid.step), parseValue(v));
  }
}

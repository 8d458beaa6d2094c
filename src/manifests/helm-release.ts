// What a Helm release deployed by Flux or Argo CD is: its name, namespace, chart (and whether the
// chart is in this repository), and which workload names it renders under the usual chart
// conventions. Nothing here reads a template; helm-chart.ts does that for charts in the repository.

import type { Target } from "./located.js";
import { joinRepo, repoPath } from "./paths.js";
import { getAt, isRecord } from "./pointer.js";
import type { HelmChart, IndexedDocument, RepoIndex } from "./types.js";

export interface ChartInfo {
  /** The chart's name (Chart.yaml, the chart field, or the last segment of an OCI URL). */
  name?: string;
  /** The chart when it lives in this repository. */
  chart?: HelmChart;
  /** For messages: "chart podinfo from HelmRepository podinfo". */
  described: string;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function chartAt(index: RepoIndex, dir: string | undefined): HelmChart | undefined {
  return dir === undefined ? undefined : index.charts.find((c) => c.dir === dir);
}

function byKindName(index: RepoIndex, kind: string, name: string): IndexedDocument | undefined {
  return index.documents.find(
    (d) => d.kind === kind && d.name === name && d.apiVersion?.includes("fluxcd.io/"),
  );
}

/** chart.spec.chart with its sourceRef: a path in a GitRepository, or a name in a Helm repository. */
function fromChartSpec(index: RepoIndex, spec: Record<string, unknown>): ChartInfo {
  const chart = str(spec.chart);
  const ref = isRecord(spec.sourceRef) ? spec.sourceRef : {};
  const kind = str(ref.kind) ?? "HelmRepository";
  const from = `${kind} ${str(ref.name) ?? "?"}`;
  if (chart && (kind === "GitRepository" || kind === "Bucket")) {
    const inRepo = chartAt(index, repoPath(chart.replace(/^\.\//, "")));
    const name = inRepo?.name ?? chart.split("/").filter(Boolean).pop();
    return {
      ...(name ? { name } : {}),
      ...(inRepo ? { chart: inRepo } : {}),
      described: `chart ${chart} from ${from}${inRepo ? "" : " (not in this repository)"}`,
    };
  }
  return { ...(chart ? { name: chart } : {}), described: `chart ${chart ?? "?"} from ${from}` };
}

/** spec.chartRef: an OCIRepository (the chart is the last URL segment) or a HelmChart object. */
function fromChartRef(index: RepoIndex, ref: Record<string, unknown>): ChartInfo {
  const kind = str(ref.kind) ?? "?";
  const name = str(ref.name) ?? "?";
  const doc = byKindName(index, kind, name);
  if (!doc) return { described: `chartRef ${kind} ${name} (not in this repository)` };
  if (kind === "OCIRepository") {
    const url = str(getAt(doc.value, ["spec", "url"]));
    const chart = url
      ?.replace(/[:@][^/]*$/, "")
      .split("/")
      .pop();
    return {
      ...(chart ? { name: chart } : {}),
      described: `chartRef OCIRepository ${name} (${url ?? "no url"})`,
    };
  }
  const spec = getAt(doc.value, ["spec"]);
  const inner = isRecord(spec) ? fromChartSpec(index, spec) : { described: "no spec" };
  return { ...inner, described: `chartRef ${kind} ${name}: ${inner.described}` };
}

export function fluxChart(index: RepoIndex, release: unknown): ChartInfo {
  const ref = getAt(release, ["spec", "chartRef"]);
  if (isRecord(ref)) return fromChartRef(index, ref);
  const spec = getAt(release, ["spec", "chart", "spec"]);
  return isRecord(spec) ? fromChartSpec(index, spec) : { described: "no chart.spec or chartRef" };
}

/** An Argo CD source: `chart` from a Helm repository, or `path` to a chart folder. */
export function argoChart(index: RepoIndex, source: Record<string, unknown>): ChartInfo {
  const chart = str(source.chart);
  if (chart) return { name: chart, described: `chart ${chart} from ${str(source.repoURL) ?? "?"}` };
  const path = str(source.path);
  const inRepo = chartAt(index, path === undefined ? undefined : joinRepo("", path.replace(/^\.\//, "")));
  const name = inRepo?.name ?? path?.split("/").filter(Boolean).pop();
  return {
    ...(name ? { name } : {}),
    ...(inRepo ? { chart: inRepo } : {}),
    described: `chart at path ${path ?? "?"}${inRepo ? "" : " (no Chart.yaml there)"}`,
  };
}

/** Whether the values use the per-controller layout of bjw-s app-template (controllers.<c>.containers). */
export function isControllerLayout(chart: ChartInfo, values: unknown): boolean {
  const controllers = isRecord(values) ? values.controllers : undefined;
  return (
    chart.name === "app-template" || (isRecord(controllers) && Object.values(controllers).some(isRecord))
  );
}

/** The names `helm create`-style charts give the main workload: fullnameOverride, or release[-chart]. */
export function conventionalNames(release: string, chart: ChartInfo, values: unknown): string[] {
  const v = isRecord(values) ? values : {};
  const override = str(v.fullnameOverride);
  if (override) return [override];
  const name = str(v.nameOverride) ?? chart.name;
  if (!name || release.includes(name)) return [release];
  return [release, `${release}-${name}`];
}

/**
 * app-template names each controller's workload after the release, plus "-<controller>" when the
 * controller's key differs from the release name; with one controller the bare release name also
 * matches. Returns the controller keys that render `target`.
 */
export function controllersFor(release: string, values: unknown, target: Target): string[] {
  const controllers = isRecord(values) && isRecord(values.controllers) ? values.controllers : {};
  const keys = Object.keys(controllers).filter((k) => isRecord(controllers[k]));
  const named = keys.filter((k) => (k === release ? release : `${release}-${k}`) === target.name);
  if (named.length) return named;
  if (target.name === release && keys.length === 1) return keys;
  return [];
}

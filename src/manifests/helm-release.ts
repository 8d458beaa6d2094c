// What a Helm release deployed by Flux or Argo CD is: its name, namespace, chart (and whether the
// chart is in this repository), and which workload names it renders under the usual chart
// conventions. Nothing here reads a template; helm-chart.ts does that for charts in the repository.

import type { Target } from "./located.js";
import { joinRepo, repoPath } from "./paths.js";
import { getAt, isRecord } from "./pointer.js";
import type { ChartNeed, FetchedChart, HelmChart, IndexedDocument, RepoIndex } from "./types.js";

export interface ChartInfo {
  /** The chart's name (Chart.yaml, the chart field, or the last segment of an OCI URL). */
  name?: string;
  /** The chart when it lives in this repository, or as Flux fetched it into the cluster. */
  chart?: HelmChart;
  /** Where `chart` came from when not from this repository ("the chart artifact of HelmChart ..."). */
  from?: string;
  /** The fetched artifact could not be read: the locator refuses rather than guess. */
  failed?: string;
  /** The cluster object holding the chart Flux fetched, when it is not in this repository. */
  need?: ChartNeed;
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

export function chartKey(kind: ChartNeed["kind"], namespace: string, name: string): ChartNeed {
  return { key: `${kind}/${namespace}/${name}`, kind, namespace, name };
}

/**
 * The chart of a HelmRelease (namespace and name as rendered). A chart not in this repository is
 * the one Flux fetched: the chartRef's object, or the HelmChart helm-controller creates for
 * chart.spec, named <namespace>-<name> in the source's namespace; `fetched` may hold it.
 */
export function fluxChart(
  index: RepoIndex,
  release: unknown,
  at: { namespace?: string; name: string },
  fetched?: ReadonlyMap<string, FetchedChart>,
): ChartInfo {
  const ns = at.namespace ?? "default";
  const ref = getAt(release, ["spec", "chartRef"]);
  const spec = getAt(release, ["spec", "chart", "spec"]);
  let info: ChartInfo;
  let need: ChartNeed | undefined;
  if (isRecord(ref)) {
    info = fromChartRef(index, ref);
    const kind = ref.kind === "OCIRepository" ? "OCIRepository" : "HelmChart";
    need = chartKey(kind, str(ref.namespace) ?? ns, str(ref.name) ?? "?");
  } else if (isRecord(spec)) {
    info = fromChartSpec(index, spec);
    const source = isRecord(spec.sourceRef) ? spec.sourceRef : {};
    need = chartKey("HelmChart", str(source.namespace) ?? ns, `${ns}-${at.name}`);
  } else return { described: "no chart.spec or chartRef" };
  if (info.chart) return info;
  const got = fetched?.get(need.key);
  if (!got) return { ...info, need };
  return got.ok ? { ...info, chart: got.chart, from: got.from, need } : { ...info, failed: got.reason, need };
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

/** Flux names the release <targetNamespace>-<name> unless spec.releaseName says otherwise. */
export function fluxReleaseName(release: unknown, name: string): string {
  const targetNamespace = str(getAt(release, ["spec", "targetNamespace"]));
  return (
    str(getAt(release, ["spec", "releaseName"])) ?? (targetNamespace ? `${targetNamespace}-${name}` : name)
  );
}

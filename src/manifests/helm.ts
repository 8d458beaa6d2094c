// Finding a workload's block in the Helm values helm-sources.ts collects (chart values files,
// HelmRelease spec.values and valuesFrom files as each root renders them, Argo CD values). In order:
//   1. the policy's valuesPath; 2. a marker comment ("# costopt: ns/name[/container]");
//   3. a map holding `resources` whose sibling "name:" (or the release name) is the workload;
//   4. for a release that renders the workload: the chart in this repository (its templates say
//      which .Values...resources feed the workload), else the two conventions most charts follow,
//      app-template's controllers.<c>.containers.<n>.resources and a top-level `resources`.
// A release the workload comes from is edited in the layer that sets its values last for the
// targeted root; a block that does not exist yet is added there.

import { isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import { parseCpu, parseMemory } from "../api/quantity.js";
import { RESOURCE_FIELDS } from "../api/types.js";
import { RESOURCE_PATHS, type Resolution, readQuantity, readReplicas, resolveField } from "./fields.js";
import { resourcesPathsIn } from "./helm-chart.js";
import { controllersFor, conventionalNames, isControllerLayout } from "./helm-release.js";
import { chartValuesSources, deployTimeSources, str, type ValuesSource } from "./helm-sources.js";
import { type Rendering, type RepoView, untargeted } from "./kustomize-tree.js";
import { mergeLocated, newFileSite, type Target } from "./located.js";
import { dirOf } from "./paths.js";
import { formatPointer, getAt, isRecord, parsePointer } from "./pointer.js";
import { SourceText } from "./text.js";
import type { EditSite, FetchedChart, Located, LocatedContainer, RepoIndex } from "./types.js";

interface Block {
  src: ValuesSource;
  /** The workload-level map inside the values (replicas, pod placement). */
  rel: string[];
  /** The maps holding each container's `resources`, inside the values. */
  containers: { name?: string; rel: string[] }[];
  /** Where pod placement goes, inside the values (default: rel). */
  pod?: string[];
  /** The replica count's key inside rel, when the layout fixes it. */
  replicasKey?: string;
  how: string;
}

/** Line (0-based) of every "resources:" key in a document -> the key's JSON pointer. */
function resourcesKeysByLine(content: string, docIndex: number): Map<number, string> {
  const text = new SourceText(content);
  const doc = parseAllDocuments(content)[docIndex];
  const out = new Map<number, string>();
  const walk = (node: unknown, segs: string[]) => {
    if (isMap(node))
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const range = pair.key.range;
        if (key === "resources" && range) out.set(text.lineOf(range[0]), formatPointer([...segs, key]));
        walk(pair.value, [...segs, key]);
      }
    else if (isSeq(node)) for (const [i, item] of node.items.entries()) walk(item, [...segs, String(i)]);
  };
  walk(doc?.contents, []);
  return out;
}

const MARKER = /#\s*costopt:\s*([^\s#]+)/;

function single(src: ValuesSource, rel: string[], how: string, name?: string): Block {
  return { src, rel, containers: [{ rel, ...(name ? { name } : {}) }], how };
}

function markerBlocks(index: RepoIndex, src: ValuesSource, target: Target): Block[] {
  const content = src.text ?? index.files.get(src.file)?.content ?? "";
  if (!content.includes("costopt:")) return [];
  const lines = content.split("\n");
  let keys: Map<number, string> | undefined;
  const out: Block[] = [];
  for (const [n, line] of lines.entries()) {
    const m = MARKER.exec(line);
    if (!m) continue;
    const [ns, name, container] = (m[1] as string).split("/");
    if (name !== target.name || (target.namespace && ns !== target.namespace && ns !== "*")) continue;
    keys ??= resourcesKeysByLine(content, src.text === undefined ? src.docIndex : 0);
    // The marker sits on the resources line itself, or on the comment lines just above it.
    let at = n;
    if (!keys.has(at)) for (at = n + 1; at < lines.length && /^\s*(#.*)?$/.test(lines[at] as string); at++);
    const pointer = keys.get(at);
    if (pointer === undefined || !pointer.startsWith(src.root)) continue;
    const rel = parsePointer(pointer.slice(src.root.length)).slice(0, -1);
    out.push(single(src, rel, `marker on line ${n + 1}`, container));
  }
  return out;
}

function nameBlocks(src: ValuesSource, target: Target): Block[] {
  const out: Block[] = [];
  const walk = (v: unknown, segs: string[], depth: number) => {
    if (!isRecord(v) || depth > 8) return;
    if (v.name === target.name && "resources" in v) out.push(single(src, segs, `name: ${target.name}`));
    for (const [k, child] of Object.entries(v)) walk(child, [...segs, k], depth + 1);
  };
  walk(src.values, [], 0);
  if (!out.length && src.releaseName === target.name && isRecord(src.values) && "resources" in src.values)
    out.push(single(src, [], `release ${target.name}`));
  return out;
}

function rootBlocks(src: ValuesSource): Block[] {
  return isRecord(src.values) && isRecord(src.values.resources)
    ? [single(src, [], `the top level of ${src.file}, the values file named by the source`)]
    : [];
}

function valuesPathBlocks(src: ValuesSource, valuesPath: string, renders: boolean): Block[] {
  const segs = valuesPath.split(".").filter((s) => s !== "");
  // A release that renders the workload gets the block even when the values do not have it yet.
  return isRecord(getAt(src.values, segs)) || (renders && getAt(src.values, segs) === undefined)
    ? [single(src, segs, `valuesPath ${valuesPath}`)]
    : [];
}

/** The blocks a release that renders the workload reads, by its chart or the conventions. */
function releaseBlocks(src: ValuesSource, target: Target): Block[] {
  const release = src.releaseName;
  const chart = src.chart ?? { described: "no chart" };
  if (release === undefined) return [];
  const inRepo = chart.chart;
  if (inRepo) {
    // The chart's own templates say which values feed this workload's containers.
    const base = conventionalNames(release, chart, src.values).find(
      (n) => target.name === n || target.name.startsWith(`${n}-`),
    );
    const paths =
      base === undefined ? [] : resourcesPathsIn(inRepo, target.kind, target.name.slice(base.length));
    if (paths.length)
      return paths.map(({ rel, file }) =>
        single(
          src,
          rel,
          `${chart.from ?? `the chart in ${inRepo.dir || "the repository root"}`} (${file} reads .Values${rel.map((s) => `.${s}`).join("")}.resources)`,
        ),
      );
  }
  if (isControllerLayout(chart, src.values)) {
    return controllersFor(release, src.values, target).map((c): Block => {
      const ctrl = ["controllers", c];
      const containers = getAt(src.values, [...ctrl, "containers"]);
      const names = isRecord(containers) ? Object.keys(containers) : [];
      return {
        src,
        rel: ctrl,
        containers: (names.length ? names : ["app"]).map((n) => ({
          name: n,
          rel: [...ctrl, "containers", n],
        })),
        pod: [...ctrl, "pod"],
        replicasKey: "replicas",
        how: `the app-template layout (controller ${c})`,
      };
    });
  }
  if (conventionalNames(release, chart, src.values).includes(target.name))
    return [
      single(src, [], `the top-level resources most charts read (release ${release}, ${chart.described})`),
    ];
  return [];
}

/** The release renders the target by its name, but its chart artifact failed to read. */
function unreadChart(src: ValuesSource, target: Target): boolean {
  const chart = src.chart;
  if (!chart?.failed || src.releaseName === undefined) return false;
  const names = conventionalNames(src.releaseName, chart, src.values);
  return names.some((n) => target.name === n || target.name.startsWith(`${n}-`));
}

function namespaceFits(src: ValuesSource, target: Target): boolean {
  return !target.namespace || !src.namespace || src.namespace === target.namespace;
}

function site(view: RepoView, block: Block, sub: string[], layer: string): Resolution {
  const r = block.src.rendering;
  if (r) {
    // Resolved through the layers: an overlay's values patch, or a new patch of the targeted root.
    const res = resolveField(view, r, { scope: "object", sub: ["spec", "values", ...sub], managed: 2 });
    if (res) return res;
  }
  const path = block.src.root + formatPointer(sub);
  const value = getAt(block.src.values, sub);
  const { release, generator } = block.src;
  const others = release && generator ? untargeted(release, view.layerRoots.get(generator)) : [];
  const s: EditSite = {
    file: block.src.file,
    docIndex: block.src.docIndex,
    path,
    exists: value !== undefined,
    ...(value !== undefined ? { raw: value } : {}),
    layer,
    ...(block.src.inline ? { inline: block.src.inline } : {}),
    ...(others.length
      ? {
          blocked: `${block.src.file} becomes a ConfigMap in ${generator}, which ${others.join(", ")} also apply (roots the policy does not target)`,
        }
      : {}),
  };
  return { value, site: s };
}

function containerOf(
  view: RepoView,
  block: Block,
  c: Block["containers"][number],
  target: Target,
  layer: string,
) {
  const values = getAt(block.src.values, c.rel);
  const container: LocatedContainer = {
    name: c.name ?? str(isRecord(values) ? values.name : undefined) ?? c.rel[c.rel.length - 1] ?? target.name,
    sites: { cpuRequest: [], cpuLimit: [], memoryRequest: [], memoryLimit: [] },
  };
  for (const field of RESOURCE_FIELDS) {
    const res = site(view, block, [...c.rel, ...RESOURCE_PATHS[field]], layer);
    const v = field.startsWith("cpu")
      ? readQuantity(res, parseCpu, "CPU quantity", view)
      : readQuantity(res, parseMemory, "memory quantity", view);
    if (v !== undefined) container[field] = v;
    container.sites[field].push(res.site);
  }
  return container;
}

function locatedFromBlock(view: RepoView, block: Block, target: Target): Located {
  const layer = `${block.src.kind} ${block.src.file} (${block.how})`;
  const found = getAt(block.src.values, block.rel);
  const values = isRecord(found) ? found : {};
  const replicaKey =
    block.replicasKey ?? ["replicaCount", "replicas"].find((k) => typeof values[k] === "number");
  const replicas = site(view, block, [...block.rel, replicaKey ?? "replicaCount"], layer);
  const count = replicaKey ? readReplicas(replicas, view) : undefined;
  if (!replicaKey)
    replicas.site.blocked ??= `${block.src.file}: the values block ${formatPointer(block.rel) || "/"} sets no replicaCount or replicas; the chart decides how replicas are set`;
  const autoscaling = values.autoscaling;
  const ns = target.namespace ?? block.src.namespace;
  const pod = block.pod ?? block.rel;
  const r = block.src.rendering ?? block.src.release;
  return {
    ok: true,
    target: { kind: target.kind, name: target.name, ...(ns ? { namespace: ns } : {}) },
    source: block.src.kind,
    roots: r?.root ? [r.root.file] : [],
    definedIn: [{ file: block.src.file, docIndex: block.src.docIndex }],
    newFiles: [r ? newFileSite(view, r) : { folder: dirOf(block.src.file) }],
    labels: {},
    podLabels: {},
    containers: block.containers.map((c) => containerOf(view, block, c, target, layer)),
    replicas: {
      current: count ?? 1,
      explicit: typeof replicas.value === "number",
      sites: [replicas.site],
      ownedByHpa: isRecord(autoscaling) && autoscaling.enabled === true,
    },
    placement: {
      nodeAffinity: [site(view, block, [...pod, "affinity", "nodeAffinity"], layer).site],
      tolerations: [site(view, block, [...pod, "tolerations"], layer).site],
    },
    notes: [`Helm values of ${block.src.described}, block chosen by ${block.how}`],
  };
}

/**
 * One block per release rendering: Flux merges valuesFrom in order, then spec.values last. The
 * layer that sets the container's resources last is edited; when none does, the last valuesFrom
 * file (where the team keeps this release's values) unless spec.values holds values of its own.
 */
function lastLayer(blocks: Block[]): Block[] {
  const groups = new Map<unknown, Block[]>();
  for (const b of blocks) {
    const r = b.src.rendering ?? b.src.release;
    const key = r
      ? `${r.doc.file}\u0000${r.doc.docIndex}\u0000${r.doc.pointer}\u0000${r.root?.file ?? ""}`
      : b;
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  return [...groups.values()].map((group) => {
    if (group.length === 1) return group[0] as Block;
    const order = (b: Block) =>
      b.src.valuesFrom === undefined ? Number.POSITIVE_INFINITY : b.src.valuesFrom;
    const sorted = [...group].sort((a, b) => order(b) - order(a));
    const sets = (b: Block) =>
      b.containers.some((c) => getAt(b.src.values, [...c.rel, "resources"]) !== undefined);
    const hr = sorted.find((b) => b.src.valuesFrom === undefined);
    const files = sorted.filter((b) => b.src.valuesFrom !== undefined);
    const own = hr && isRecord(hr.src.values) && Object.keys(hr.src.values).length > 0;
    return sorted.find(sets) ?? (own ? hr : files[0]) ?? (sorted[0] as Block);
  });
}

/** Blocks from renderings of one HelmRelease document at one path are copies; anything else is ambiguous. */
function sameRelease(blocks: Block[]): boolean {
  const [first, ...rest] = blocks as [Block, ...Block[]];
  return rest.every(
    (b) =>
      (b.src.rendering ?? b.src.release) &&
      (first.src.rendering ?? first.src.release) &&
      b.src.file === first.src.file &&
      b.src.docIndex === first.src.docIndex &&
      b.src.root === first.src.root &&
      formatPointer(b.rel) === formatPointer(first.rel),
  );
}

export interface HelmScope {
  scope: string;
  /** The renderings in the policy's scope and cluster, where HelmReleases and Applications are read. */
  renderings: readonly Rendering[];
  valuesPath?: string;
  explicit?: boolean;
  /** Charts Flux fetched into the cluster, by ChartNeed key. */
  charts?: ReadonlyMap<string, FetchedChart>;
}

/** The workload's values block, or a reason (ambiguity, nothing found) as a string. */
export function locateInHelm(
  index: RepoIndex,
  view: RepoView,
  target: Target,
  opts: HelmScope,
): Located | string | undefined {
  const { scope, valuesPath, explicit = false } = opts;
  const sources = [
    ...chartValuesSources(index, scope, explicit),
    ...deployTimeSources(index, opts.renderings, opts.charts),
  ].filter((s) => namespaceFits(s, target) && isRecord(s.values));
  const renders = (s: ValuesSource) => s.kind !== "helm-values" || s.releaseName !== undefined;
  const tiers: ((s: ValuesSource) => Block[])[] = valuesPath
    ? [(s) => valuesPathBlocks(s, valuesPath, renders(s) && releaseBlocks(s, target).length > 0)]
    : [(s) => markerBlocks(index, s, target), (s) => nameBlocks(s, target)];
  // The named file is this release's own values, so its top-level resources are the workload's.
  if (!valuesPath && explicit) tiers.push((s) => (s.file === scope ? rootBlocks(s) : []));
  if (!valuesPath) tiers.push((s) => (renders(s) ? releaseBlocks(s, target) : []));
  for (const [n, tier] of tiers.entries()) {
    // Before guessing from conventions: a chart artifact that could not be read is a refusal.
    const unread =
      n === tiers.length - 1 && !valuesPath ? sources.find((s) => unreadChart(s, target)) : undefined;
    if (unread)
      return `${target.kind} ${target.name} comes from ${unread.described}, whose chart cannot be read: ${unread.chart?.failed}; nothing is edited (set source.valuesPath to name its values block)`;
    const all = sources.flatMap(tier);
    if (!all.length) continue;
    // Values given at deploy time (HelmRelease, Application) override the chart's own values.
    const deployTime = all.filter((b) => b.src.kind !== "helm-values" || b.src.releaseName !== undefined);
    const blocks = lastLayer(deployTime.length ? deployTime : all);
    if (blocks.length > 1 && !sameRelease(blocks))
      return `${target.kind} ${target.name} matches ${blocks.length} Helm values blocks (${blocks
        .map((b) => `${b.src.described} ${formatPointer(b.rel) || "/"} by ${b.how}`)
        .join(
          "; ",
        )}); set source.path to one root, or source.valuesPath, or add a "# costopt: <namespace>/<name>" marker to one`;
    // One HelmRelease rendered by several targeted roots: the copies are edited together.
    const releaseOf = (b: Block) => b.src.rendering ?? b.src.release;
    const roots = new Set(blocks.flatMap((b) => releaseOf(b)?.root?.file ?? []));
    for (const b of blocks) {
      const r = releaseOf(b);
      if (r && roots.size > 1) r.targeted = roots;
    }
    const merged = mergeLocated(
      blocks.map((b) => locatedFromBlock(view, b, target)),
      `${target.kind} ${target.name}`,
    );
    return merged;
  }
  if (valuesPath) return `source.valuesPath ${valuesPath} names no map in the Helm values in scope`;
  const releases = sources.filter(
    (s) => (s.kind !== "helm-values" || s.releaseName !== undefined) && s.valuesFrom === undefined,
  );
  if (releases.length)
    return `${target.kind} ${target.namespace ? `${target.namespace}/` : ""}${target.name} is not rendered by the Helm releases in scope: ${releases
      .map(
        (s) =>
          `${s.described} is release ${s.releaseName ?? "?"} of ${s.chart?.described ?? "its chart"}${s.chart?.name ? ` (renders ${conventionalNames(s.releaseName ?? "?", s.chart, s.values).join(" or ")})` : ""}`,
      )
      .join(
        "; ",
      )}; name the release's values block with source.valuesPath, or add a "# costopt: <namespace>/<name>" marker above its resources`;
  return undefined;
}

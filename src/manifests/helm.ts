// Finding a workload's block in Helm values: a chart's values files, a Flux HelmRelease's
// spec.values, an Argo CD Application's spec.source.helm.valuesObject. The block is chosen by the
// policy's valuesPath, else a marker comment on its resources ("# costopt: ns/name[/container]"),
// else a map whose sibling "name:" is the workload's name. More than one candidate is refused.

import { isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import { parseCpu, parseMemory } from "../api/quantity.js";
import { type LeadingZeros, RESOURCE_PATHS, type Resolution, readQuantity, readReplicas } from "./fields.js";
import { viewOf } from "./kustomize-tree.js";
import type { Target } from "./located.js";
import { dirOf, isUnder } from "./paths.js";
import { formatPointer, getAt, isRecord, parsePointer } from "./pointer.js";
import { SourceText } from "./text.js";
import type { EditSite, IndexedDocument, Located, RepoIndex, SourceKind } from "./types.js";
import { RESOURCE_FIELDS } from "./types.js";

interface ValuesSource {
  file: string;
  docIndex: number;
  /** Pointer of the values object inside its document. */
  root: string;
  kind: SourceKind;
  values: unknown;
  namespace?: string;
  releaseName?: string;
  /** Set when the values are a YAML string inside the document (Argo CD helm.values). */
  inline?: { path: string };
  /** The text markers are read from, when it is not the file itself. */
  text?: string;
}

interface Block {
  src: ValuesSource;
  pointer: string;
  container?: string;
  how: string;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function deployTimeSources(doc: IndexedDocument): ValuesSource[] {
  const v = doc.value;
  const at = (...path: string[]) => getAt(v, path);
  const base = { file: doc.file, docIndex: doc.docIndex };
  if (doc.kind === "HelmRelease" && doc.apiVersion?.startsWith("helm.toolkit.fluxcd.io/")) {
    const namespace = str(at("spec", "targetNamespace")) ?? doc.namespace;
    const releaseName = str(at("spec", "releaseName")) ?? doc.name;
    return [
      {
        ...base,
        root: `${doc.pointer}/spec/values`,
        kind: "helmrelease",
        values: at("spec", "values") ?? {},
        ...(namespace ? { namespace } : {}),
        ...(releaseName ? { releaseName } : {}),
      },
    ];
  }
  if (doc.kind === "Application" && doc.apiVersion?.startsWith("argoproj.io/")) {
    const namespace = str(at("spec", "destination", "namespace"));
    const sources = Array.isArray(at("spec", "sources"))
      ? (at("spec", "sources") as unknown[]).map((_, i) => `/spec/sources/${i}`)
      : ["/spec/source"];
    return sources.flatMap((s): ValuesSource[] => {
      const helm = getAt(v, `${s}/helm`);
      if (!isRecord(helm)) return [];
      const common = {
        ...base,
        kind: "argocd-application" as const,
        ...(namespace ? { namespace } : {}),
        ...(doc.name ? { releaseName: str(helm.releaseName) ?? doc.name } : {}),
      };
      // helm.values is YAML inside a string: its pointers start inside the string.
      if (!isRecord(helm.valuesObject) && typeof helm.values === "string")
        return [
          {
            ...common,
            root: "",
            values: safeParse(helm.values),
            text: helm.values,
            inline: { path: `${doc.pointer}${s}/helm/values` },
          },
        ];
      return [{ ...common, root: `${doc.pointer}${s}/helm/valuesObject`, values: helm.valuesObject ?? {} }];
    });
  }
  return [];
}

function safeParse(text: string): unknown {
  try {
    return parseAllDocuments(text)[0]?.toJS() ?? {};
  } catch {
    return {};
  }
}

function valuesSources(index: RepoIndex, scope: string, explicit: boolean): ValuesSource[] {
  const out: ValuesSource[] = [];
  // A values file named outright (format helm-values, path to the file) counts even without a
  // Chart.yaml beside it: Argo CD multi-source apps keep values in a repository of their own.
  const named = explicit && /\.ya?ml$/.test(scope) ? index.files.get(scope) : undefined;
  if (named && !index.charts.some((c) => c.valuesFiles.includes(scope)))
    out.push({ file: scope, docIndex: 0, root: "", kind: "helm-values", values: named.documents[0]?.value });
  for (const chart of index.charts)
    for (const file of chart.valuesFiles)
      if (isUnder(file, scope) || isUnder(chart.dir, scope))
        out.push({
          file,
          docIndex: 0,
          root: "",
          kind: "helm-values",
          values: index.files.get(file)?.documents[0]?.value,
        });
  for (const doc of index.documents) if (isUnder(doc.file, scope)) out.push(...deployTimeSources(doc));
  return out;
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
    out.push({
      src,
      pointer: pointer.slice(0, pointer.lastIndexOf("/")),
      ...(container ? { container } : {}),
      how: `marker on line ${n + 1}`,
    });
  }
  return out;
}

function nameBlocks(src: ValuesSource, target: Target): Block[] {
  const out: Block[] = [];
  const walk = (v: unknown, segs: string[], depth: number) => {
    if (!isRecord(v) || depth > 8) return;
    if (v.name === target.name && "resources" in v)
      out.push({ src, pointer: src.root + formatPointer(segs), how: `name: ${target.name}` });
    for (const [k, child] of Object.entries(v)) walk(child, [...segs, k], depth + 1);
  };
  walk(src.values, [], 0);
  if (!out.length && src.releaseName === target.name && isRecord(src.values) && "resources" in src.values)
    out.push({ src, pointer: src.root, how: `release ${target.name}` });
  return out;
}

function rootBlocks(src: ValuesSource): Block[] {
  return isRecord(src.values) && isRecord(src.values.resources)
    ? [{ src, pointer: src.root, how: `the top level of ${src.file}, the values file named by the source` }]
    : [];
}

function valuesPathBlocks(src: ValuesSource, valuesPath: string): Block[] {
  const segs = valuesPath.split(".").filter((s) => s !== "");
  return isRecord(getAt(src.values, segs))
    ? [{ src, pointer: src.root + formatPointer(segs), how: `valuesPath ${valuesPath}` }]
    : [];
}

function namespaceFits(src: ValuesSource, target: Target): boolean {
  return !target.namespace || !src.namespace || src.namespace === target.namespace;
}

function site(block: Block, sub: string[], layer: string): Resolution {
  const path = block.pointer + formatPointer(sub);
  // Pointers are document-wide; the values object starts at src.root.
  const value = getAt(block.src.values, parsePointer(path.slice(block.src.root.length)));
  const s: EditSite = {
    file: block.src.file,
    docIndex: block.src.docIndex,
    path,
    exists: value !== undefined,
    ...(value !== undefined ? { raw: value } : {}),
    layer,
    ...(block.src.inline ? { inline: block.src.inline } : {}),
  };
  return { value, site: s };
}

function locatedFromBlock(block: Block, target: Target, zeros: LeadingZeros): Located {
  const layer = `${block.src.kind} ${block.src.file} (${block.how})`;
  const rel = parsePointer(block.pointer.slice(block.src.root.length));
  const values = getAt(block.src.values, rel) as Record<string, unknown>;
  const container: Located["containers"][number] = {
    name: block.container ?? str(values.name) ?? rel[rel.length - 1] ?? target.name,
    sites: { cpuRequest: [], cpuLimit: [], memoryRequest: [], memoryLimit: [] },
  };
  for (const field of RESOURCE_FIELDS) {
    const res = site(block, RESOURCE_PATHS[field], layer);
    const v = field.startsWith("cpu")
      ? readQuantity(res, parseCpu, "CPU quantity", zeros)
      : readQuantity(res, parseMemory, "memory quantity", zeros);
    if (v !== undefined) container[field] = v;
    container.sites[field].push(res.site);
  }
  const replicaKey = ["replicaCount", "replicas"].find((k) => typeof values[k] === "number");
  const replicas = site(block, [replicaKey ?? "replicaCount"], layer);
  const count = replicaKey ? readReplicas(replicas, zeros) : undefined;
  if (!replicaKey)
    replicas.site.blocked ??= `${block.src.file}: the values block ${block.pointer || "/"} sets no replicaCount or replicas; the chart decides how replicas are set`;
  const autoscaling = values.autoscaling;
  const ns = target.namespace ?? block.src.namespace;
  return {
    ok: true,
    target: { kind: target.kind, name: target.name, ...(ns ? { namespace: ns } : {}) },
    source: block.src.kind,
    definedIn: [{ file: block.src.file, docIndex: block.src.docIndex }],
    newFiles: [{ folder: dirOf(block.src.file) }],
    labels: {},
    podLabels: {},
    containers: [container],
    replicas: {
      current: count ?? 1,
      explicit: replicaKey !== undefined,
      sites: [replicas.site],
      ownedByHpa: isRecord(autoscaling) && autoscaling.enabled === true,
    },
    placement: {
      nodeAffinity: [site(block, ["affinity", "nodeAffinity"], layer).site],
      tolerations: [site(block, ["tolerations"], layer).site],
    },
    notes: [`Helm values block chosen by ${block.how}`],
  };
}

/** The workload's values block, or a reason (ambiguity, nothing found) as a string. */
export function locateInHelm(
  index: RepoIndex,
  target: Target,
  scope: string,
  valuesPath: string | undefined,
  explicit = false,
): Located | string | undefined {
  const sources = valuesSources(index, scope, explicit).filter(
    (s) => namespaceFits(s, target) && isRecord(s.values),
  );
  const tiers: ((s: ValuesSource) => Block[])[] = valuesPath
    ? [(s) => valuesPathBlocks(s, valuesPath)]
    : [(s) => markerBlocks(index, s, target), (s) => nameBlocks(s, target)];
  // Last: the named file is this release's own values, so its top-level resources are the workload's.
  if (!valuesPath && explicit) tiers.push((s) => (s.file === scope ? rootBlocks(s) : []));
  for (const tier of tiers) {
    const all = sources.flatMap(tier);
    if (!all.length) continue;
    // Values given at deploy time (HelmRelease, Application) override the chart's own values.
    const deployTime = all.filter((b) => b.src.kind !== "helm-values");
    const blocks = deployTime.length ? deployTime : all;
    if (blocks.length > 1)
      return `${target.kind} ${target.name} matches ${blocks.length} Helm values blocks (${blocks
        .map((b) => `${b.src.file} ${b.pointer || "/"} by ${b.how}`)
        .join("; ")}); set source.valuesPath or add a "# costopt: <namespace>/<name>" marker to one`;
    return locatedFromBlock(blocks[0] as Block, target, viewOf(index));
  }
  if (valuesPath) return `source.valuesPath ${valuesPath} names no map in the Helm values in scope`;
  return undefined;
}

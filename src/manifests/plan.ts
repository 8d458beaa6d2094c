// planChanges: desired values -> the full new content of every file that must change, each
// produced by patchDocument (so each passed the re-parse invariant), or a refusal with a reason.

import jsonpatch, { type Operation } from "fast-json-patch";
import { stringify } from "yaml";
import { RESOURCE_FIELDS, type ResourceField } from "../api/types.js";
import { documentLabel, PatchError } from "./errors.js";
import { podSpecPath } from "./fields.js";
import { placeNewFiles } from "./new-files.js";
import { patchDocument } from "./patch.js";
import { formatPointer, getAt, isRecord, parsePointer } from "./pointer.js";
import { cpuValue, memoryValue } from "./quantities.js";
import type {
  Desired,
  EditSite,
  FileEdit,
  Located,
  LocatedContainer,
  Plan,
  Refused,
  RepoIndex,
} from "./types.js";
import { deepEqual, parseStream } from "./yaml-stream.js";

interface Write {
  site: EditSite;
  value: unknown;
  /** Where the value goes inside a new patch document, relative to the workload object. */
  rel: string[];
  container?: string;
}

class Refusal extends Error {}

function refuse(reason: string): never {
  throw new Refusal(reason);
}

function containerFor(located: Located, name: string, single: boolean): LocatedContainer {
  const exact = located.containers.find((c) => c.name === name);
  if (exact) return exact;
  // A Helm values block describes one container whose name the chart decides.
  if (single && located.containers.length === 1) return located.containers[0] as LocatedContainer;
  return refuse(
    `container ${name} is not in ${located.target.kind} ${located.target.name} (containers: ${located.containers.map((c) => c.name).join(", ") || "none"})`,
  );
}

const RESOURCE_REL: Record<ResourceField, string[]> = {
  cpuRequest: ["resources", "requests", "cpu"],
  cpuLimit: ["resources", "limits", "cpu"],
  memoryRequest: ["resources", "requests", "memory"],
  memoryLimit: ["resources", "limits", "memory"],
};

const PAIRED: Record<ResourceField, ResourceField> = {
  cpuRequest: "cpuLimit",
  cpuLimit: "cpuRequest",
  memoryRequest: "memoryLimit",
  memoryLimit: "memoryRequest",
};

function collectWrites(located: Located, desired: Desired): Write[] {
  const writes: Write[] = [];
  const push = (
    sites: EditSite[],
    what: string,
    value: (raw: unknown) => unknown,
    rel: string[],
    container?: string,
  ) => {
    if (!sites.length) refuse(`no place to write ${what} for ${located.target.kind} ${located.target.name}`);
    for (const site of sites) {
      if (site.blocked) refuse(site.blocked);
      writes.push({ site, value: value(site.raw), rel, ...(container ? { container } : {}) });
    }
  };
  const wanted = desired.containers ?? [];
  for (const d of wanted) {
    const c = containerFor(located, d.name, wanted.length === 1);
    for (const field of RESOURCE_FIELDS) {
      const amount = d[field];
      if (amount === undefined) continue;
      if (!Number.isFinite(amount) || amount < 0)
        refuse(`container ${d.name}: ${field} must be a non-negative number`);
      const format = field.startsWith("cpu") ? cpuValue : memoryValue;
      // A new limit is written like the request next to it (and the other way round).
      const hint = c.sites[PAIRED[field]][0]?.raw;
      push(
        c.sites[field],
        `${field} of container ${c.name}`,
        (raw) => format(amount, raw ?? hint),
        RESOURCE_REL[field],
        c.name,
      );
    }
  }
  if (desired.replicas !== undefined) {
    const r = located.replicas;
    if (!Number.isInteger(desired.replicas) || desired.replicas < 0)
      refuse("replicas must be a non-negative integer");
    if (located.target.kind === "DaemonSet")
      refuse("a DaemonSet runs one pod per node; it has no replicas to set");
    if (r.ownedByHpa)
      refuse(
        `replicas of ${located.target.kind} ${located.target.name} are owned by ${r.hpa ? `the HorizontalPodAutoscaler ${r.hpa.name} (${r.hpa.file})` : "an autoscaler (autoscaling.enabled)"}; change its bounds instead`,
      );
    push(r.sites, "replicas", () => desired.replicas, ["spec", "replicas"]);
  }
  if (desired.hpaMinReplicas !== undefined) collectHpaWrite(located, desired.hpaMinReplicas, push);
  const placement = desired.placement;
  if (placement?.nodeAffinity)
    push(located.placement.nodeAffinity, "nodeAffinity", () => placement.nodeAffinity, [
      ...podSpecPath(located.target.kind),
      "affinity",
      "nodeAffinity",
    ]);
  if (placement?.tolerations)
    push(located.placement.tolerations, "tolerations", () => placement.tolerations, [
      ...podSpecPath(located.target.kind),
      "tolerations",
    ]);
  return writes;
}

type Push = (sites: EditSite[], what: string, value: (raw: unknown) => unknown, rel: string[]) => void;

/** The HPA's minReplicas, never above its maxReplicas (the HPA controller would reject it). */
function collectHpaWrite(located: Located, min: number, push: Push): void {
  const { kind, name } = located.target;
  if (!Number.isInteger(min) || min < 1)
    refuse("the HorizontalPodAutoscaler's minReplicas must be an integer of at least 1");
  const hpa = located.replicas.hpa;
  if (!hpa)
    refuse(
      `no HorizontalPodAutoscaler targeting ${kind} ${name} is in the repository (a Helm template may create it); its minReplicas cannot be proposed`,
    );
  if (hpa.maxReplicas !== undefined && min > hpa.maxReplicas)
    refuse(
      `minReplicas ${min} would exceed maxReplicas ${hpa.maxReplicas} of the HorizontalPodAutoscaler ${hpa.name} (${hpa.file}); not proposed`,
    );
  push(hpa.minReplicasSites, `minReplicas of the HorizontalPodAutoscaler ${hpa.name}`, () => min, [
    "spec",
    "minReplicas",
  ]);
}

/** The operations that set each write's value, adding missing parents as one block. */
export function buildOps(doc: unknown, writes: readonly { path: string; value: unknown }[]): Operation[] {
  const work = structuredClone(doc);
  const ops: Operation[] = [];
  for (const w of writes) {
    const segs = parsePointer(w.path);
    let op: Operation | undefined;
    if (segs[segs.length - 1] === "-" && Array.isArray(getAt(work, segs.slice(0, -1))))
      op = { op: "add", path: w.path, value: w.value };
    else {
      const target = segs[segs.length - 1] === "-" ? segs.slice(0, -1) : segs;
      const value = segs[segs.length - 1] === "-" ? [w.value] : w.value;
      let k = 0;
      while (
        k < target.length &&
        getAt(work, target.slice(0, k + 1)) !== undefined &&
        getAt(work, target.slice(0, k + 1)) !== null
      )
        k++;
      if (k === target.length) {
        if (!deepEqual(getAt(work, target), value))
          op = { op: "replace", path: formatPointer(target), value };
      } else {
        const parent = getAt(work, target.slice(0, k));
        if (!isRecord(parent))
          refuse(`cannot add ${formatPointer(target)}: ${formatPointer(target.slice(0, k))} is not a map`);
        let nested: unknown = value;
        for (const seg of target.slice(k + 1).reverse()) nested = { [seg]: nested };
        const path = formatPointer(target.slice(0, k + 1));
        op = { op: getAt(work, target.slice(0, k + 1)) === null ? "replace" : "add", path, value: nested };
      }
    }
    if (!op) continue;
    jsonpatch.applyOperation(work, op, false, true);
    ops.push(op);
  }
  return ops;
}

function newPatchDocument(header: object, writes: Write[]): string {
  const doc = structuredClone(header) as Record<string, unknown>;
  // Workload-level fields (replicas) read best above the pod template.
  const podSpec = podSpecPath((header as { kind?: unknown }).kind);
  const podLevel = (w: Write) =>
    w.container !== undefined || w.site.path.startsWith(`${formatPointer(podSpec.slice(0, -1))}/`);
  const ordered = [...writes.filter((w) => !podLevel(w)), ...writes.filter(podLevel)];
  for (const w of ordered) {
    // The site's pointer is the place in the new document (a HelmRelease patch puts container
    // values under spec.values); only a workload's own containers are matched by name.
    let path = parsePointer(w.site.path);
    if (w.container && w.site.path.startsWith(`${formatPointer([...podSpec, "containers"])}/`)) {
      const list = (getAt(doc, [...podSpec, "containers"]) as { name: string }[] | undefined) ?? [];
      let i = list.findIndex((c) => c.name === w.container);
      if (i < 0) i = list.push({ name: w.container }) - 1;
      setIn(doc, [...podSpec, "containers"], list);
      path = [...podSpec, "containers", String(i), ...w.rel];
    }
    setIn(doc, path, w.value);
  }
  return `# Added by costopt: overrides for this overlay only, so the shared base stays as it is.\n${stringify(doc)}`;
}

function setIn(root: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = root;
  for (const seg of path.slice(0, -1)) {
    const next = node[seg] ?? {};
    node[seg] = next;
    node = next as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function relativeTo(dir: string, path: string): string {
  return dir === "" ? path : path.slice(dir.length + 1);
}

export function planChanges(index: RepoIndex, located: Located | Refused, desired: Desired): Plan | Refused {
  if (!located.ok) return located;
  try {
    const writes = collectWrites(located, desired);
    const edits: FileEdit[] = [];
    // New patch files for overlays: one file per workload, listed in the overlay's patches.
    const created = new Map<string, Write[]>();
    for (const w of writes.filter((w) => w.site.create))
      created.set(w.site.file, [...(created.get(w.site.file) ?? []), w]);
    const existing = writes.filter((w) => !w.site.create);
    for (const [file, ws] of created) {
      const create = ws[0]?.site.create as NonNullable<EditSite["create"]>;
      if (index.files.has(file))
        refuse(`${file} already exists but is not a patch of ${create.kustomization}; not overwritten`);
      edits.push({
        path: file,
        before: "",
        after: newPatchDocument(create.header, ws),
        created: true,
        operations: [],
      });
      const kdir = create.kustomization.slice(0, Math.max(0, create.kustomization.lastIndexOf("/")));
      existing.push({
        site: {
          file: create.kustomization,
          docIndex: 0,
          path: "/patches/-",
          exists: false,
          layer: "kustomization",
        },
        value: { path: relativeTo(kdir, file) },
        rel: [],
      });
    }
    const placed = placeNewFiles(index, located, desired.files ?? [], new Set(edits.map((e) => e.path)));
    if (typeof placed === "string") refuse(placed);
    edits.push(...placed.created);
    for (const { kustomization, entry } of placed.listings)
      existing.push({
        site: {
          file: kustomization,
          docIndex: 0,
          path: "/resources/-",
          exists: false,
          layer: "kustomization",
        },
        value: entry,
        rel: [],
      });
    const byFile = new Map<string, Write[]>();
    for (const w of resolveInline(index, existing))
      byFile.set(w.site.file, [...(byFile.get(w.site.file) ?? []), w]);
    for (const [file, ws] of byFile) edits.push(editFile(index, file, ws));
    return { ok: true, edits: edits.filter((e) => e.before !== e.after) };
  } catch (err) {
    if (err instanceof Refusal || err instanceof PatchError) return { ok: false, reason: err.message };
    throw err;
  }
}

/** Writes inside a YAML string become one write of the whole string, itself edited in place. */
function resolveInline(index: RepoIndex, writes: Write[]): Write[] {
  const out: Write[] = [];
  const groups = new Map<string, Write[]>();
  for (const w of writes) {
    if (!w.site.inline) out.push(w);
    else {
      const key = `${w.site.file}\u0000${w.site.docIndex}\u0000${w.site.inline.path}`;
      groups.set(key, [...(groups.get(key) ?? []), w]);
    }
  }
  for (const ws of groups.values()) {
    const { file, docIndex, inline, layer } = (ws[0] as Write).site;
    const where = `${file}, ${documentLabel(docIndex)}, field ${inline?.path}`;
    const doc = index.files.get(file)?.documents.find((d) => d.docIndex === docIndex && d.pointer === "");
    const text = getAt(doc?.value, inline?.path ?? "");
    if (typeof text !== "string") return refuse(`${where}: expected a YAML string`);
    const { docs, problem } = parseStream(text);
    if (problem || docs.length !== 1)
      return refuse(`${where}: the YAML inside the string does not parse as one document`);
    const ops = buildOps(
      docs[0]?.toJS(),
      ws.map((w) => ({ path: w.site.path, value: w.value })),
    );
    const value = patchDocument(text, 0, ops, `${file} (${inline?.path})`);
    out.push({ site: { file, docIndex, path: inline?.path ?? "", exists: true, layer }, value, rel: [] });
  }
  return out;
}

function editFile(index: RepoIndex, file: string, writes: Write[]): FileEdit {
  const indexed = index.files.get(file);
  if (!indexed) return refuse(`${file} is not in the index (missing or skipped)`);
  let after = indexed.content;
  const operations: FileEdit["operations"] = [];
  const docIndexes = [...new Set(writes.map((w) => w.site.docIndex))].sort((a, b) => a - b);
  for (const docIndex of docIndexes) {
    const doc = indexed.documents.find((d) => d.docIndex === docIndex && d.pointer === "");
    const ws = writes
      .filter((w) => w.site.docIndex === docIndex)
      .map((w) => ({ path: w.site.path, value: w.value }));
    const ops = buildOps(doc?.value, ws);
    if (!ops.length) continue;
    after = patchDocument(after, docIndex, ops, file);
    operations.push({ docIndex, ops });
  }
  return { path: file, before: indexed.content, after, created: false, operations };
}

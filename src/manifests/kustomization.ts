// Reading one kustomization.yaml (or a Component) into the layers costopt follows: resources,
// components, patches in their three spellings, the replicas transformer, namespace, prefix and
// suffix. Remote resources and paths leaving the repository are listed as problems, not followed.

import { parse } from "yaml";
import { dirOf, joinRepo, symlinkOnPath } from "./paths.js";
import { isRecord } from "./pointer.js";
import type { IndexedFile, Kustomization, KustomizePatch } from "./types.js";

export const KUSTOMIZATION_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

export function isKustomizationFile(path: string): boolean {
  return KUSTOMIZATION_NAMES.includes(path.slice(path.lastIndexOf("/") + 1));
}

interface Ctx {
  file: string;
  dir: string;
  files: ReadonlyMap<string, IndexedFile>;
  symlinks: ReadonlySet<string>;
  problems: string[];
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function follow(ctx: Ctx, field: string, i: number, rel: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel) || /^(github\.com|gitlab\.com|git@)/.test(rel)) {
    ctx.problems.push(`${ctx.file}: ${field}[${i}] ${rel} is remote; not followed`);
    return undefined;
  }
  const path = joinRepo(ctx.dir, rel);
  if (path === undefined) {
    ctx.problems.push(`${ctx.file}: ${field}[${i}] ${rel} leaves the repository; not followed`);
    return undefined;
  }
  const link = symlinkOnPath(path, ctx.symlinks);
  if (link !== undefined) {
    ctx.problems.push(`${ctx.file}: ${field}[${i}] ${rel} runs through the symlink ${link}; not followed`);
    return undefined;
  }
  return path;
}

function patchType(value: unknown): KustomizePatch["type"] {
  return Array.isArray(value) ? "json6902" : "strategic-merge";
}

function targetOf(value: unknown): KustomizePatch["target"] {
  if (!isRecord(value)) return undefined;
  const t: NonNullable<KustomizePatch["target"]> = {};
  for (const k of ["group", "version", "kind", "name", "namespace", "labelSelector"] as const)
    if (typeof value[k] === "string") t[k] = value[k];
  return t;
}

function inlinePatch(ctx: Ctx, pointer: string, text: string, target: unknown): KustomizePatch[] {
  try {
    const value = parse(text) as unknown;
    const t = targetOf(target);
    return [
      {
        type: patchType(value),
        file: ctx.file,
        docIndex: 0,
        pointer,
        inline: true,
        value,
        ...(t ? { target: t } : {}),
      },
    ];
  } catch (err) {
    ctx.problems.push(`${ctx.file}: inline patch at ${pointer} does not parse: ${(err as Error).message}`);
    return [];
  }
}

function filePatches(ctx: Ctx, field: string, i: number, rel: string, target: unknown): KustomizePatch[] {
  const path = follow(ctx, field, i, rel);
  if (path === undefined) return [];
  const file = ctx.files.get(path);
  if (!file) {
    ctx.problems.push(`${ctx.file}: ${field}[${i}] ${rel} was not found or was skipped`);
    return [];
  }
  const t = targetOf(target);
  return file.documents
    .filter((d) => d.pointer === "")
    .map((d) => ({
      type: patchType(d.value),
      file: path,
      docIndex: d.docIndex,
      pointer: "",
      inline: false,
      value: d.value,
      ...(t ? { target: t } : {}),
    }));
}

function readPatches(ctx: Ctx, k: Record<string, unknown>): KustomizePatch[] {
  const out: KustomizePatch[] = [];
  for (const [i, p] of strings(k.patchesStrategicMerge).entries()) {
    // An entry is either a file name or the patch itself written inline.
    if (p.includes("\n")) out.push(...inlinePatch(ctx, `/patchesStrategicMerge/${i}`, p, undefined));
    else out.push(...filePatches(ctx, "patchesStrategicMerge", i, p, undefined));
  }
  for (const field of ["patches", "patchesJson6902"] as const) {
    const list = k[field];
    if (!Array.isArray(list)) continue;
    for (const [i, p] of list.entries()) {
      if (!isRecord(p)) continue;
      if (typeof p.path === "string") out.push(...filePatches(ctx, field, i, p.path, p.target));
      else if (typeof p.patch === "string")
        out.push(...inlinePatch(ctx, `/${field}/${i}/patch`, p.patch, p.target));
    }
  }
  return out;
}

/** configMapGenerator files: "key=path" or "path" (the key is the file name). */
function generatorsOf(ctx: Ctx, k: Record<string, unknown>): Kustomization["configMapGenerators"] {
  const list = Array.isArray(k.configMapGenerator) ? k.configMapGenerator : [];
  return list.flatMap((g, i) => {
    if (!isRecord(g) || typeof g.name !== "string") return [];
    const files = strings(g.files).flatMap((entry, j) => {
      const eq = entry.indexOf("=");
      const rel = eq < 0 ? entry : entry.slice(eq + 1);
      const key = eq < 0 ? rel.slice(rel.lastIndexOf("/") + 1) : entry.slice(0, eq);
      const path = follow(ctx, `configMapGenerator[${i}].files`, j, rel);
      return path === undefined ? [] : [{ key, path }];
    });
    return [{ name: g.name, files }];
  });
}

function labelsOf(k: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (m: unknown) => {
    if (isRecord(m)) for (const [key, v] of Object.entries(m)) out[key] = String(v);
  };
  add(k.commonLabels);
  if (Array.isArray(k.labels)) for (const l of k.labels) if (isRecord(l)) add(l.pairs);
  return out;
}

export function readKustomization(
  file: IndexedFile,
  files: ReadonlyMap<string, IndexedFile>,
  symlinks: ReadonlySet<string>,
): Kustomization | undefined {
  const value = file.documents[0]?.value;
  if (!isRecord(value)) return undefined;
  const ctx: Ctx = { file: file.path, dir: dirOf(file.path), files, symlinks, problems: [] };
  const paths = (field: "resources" | "components" | "bases") =>
    strings(value[field]).flatMap((rel, i) => follow(ctx, field, i, rel) ?? []);
  const replicas = Array.isArray(value.replicas) ? value.replicas : [];
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const namespace = str(value.namespace);
  const namePrefix = str(value.namePrefix);
  const nameSuffix = str(value.nameSuffix);
  return {
    file: file.path,
    dir: ctx.dir,
    kind: value.kind === "Component" ? "Component" : "Kustomization",
    ...(namespace ? { namespace } : {}),
    ...(namePrefix ? { namePrefix } : {}),
    ...(nameSuffix ? { nameSuffix } : {}),
    // "bases" is the deprecated spelling of resources that point at other kustomizations.
    resources: [...paths("resources"), ...paths("bases")],
    components: paths("components"),
    patches: readPatches(ctx, value),
    replicas: replicas.flatMap((r, index) =>
      isRecord(r) && typeof r.name === "string" && typeof r.count === "number"
        ? [{ name: r.name, count: r.count, index }]
        : [],
    ),
    configMapGenerators: generatorsOf(ctx, value),
    commonLabels: labelsOf(value),
    problems: ctx.problems,
  };
}

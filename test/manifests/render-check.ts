// The render check: every root of a repository rendered with the real kustomize (`kubectl
// kustomize DIR`) before and after an edit. The only rendered difference allowed is the intended
// fields of the target object in the targeted roots; every other object of every root, and the
// target in every other root, renders exactly as before. Documents no kustomization renders
// (plain manifests) are compared as parsed from their files.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { indexRepository, type RepoFile } from "../../src/manifests/index.js";
import { isKustomizationFile } from "../../src/manifests/kustomization.js";
import { viewOf } from "../../src/manifests/kustomize-tree.js";

export interface RenderTarget {
  /** Root folders (kustomization dirs) where the target must change; "" for plain manifests. */
  roots: string[];
  object: { kind: string; namespace?: string; name: string };
  /** JSON pointers inside the object that may change, e.g. "/spec/values/resources". */
  fields: string[];
  /** Objects the edit adds (kind/namespace/name), e.g. a scheduled-scaling manifest. */
  added?: string[];
  /** Pointers that may change inside Helm values files (plain YAML without a kind). */
  valuesFields?: string[];
}

const KUBECTL = ["kustomize", "--load-restrictor=LoadRestrictionsNone"];

function writeTree(files: readonly RepoFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), "costopt-render-"));
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
  }
  return dir;
}

function render(dir: string, root: string): unknown[] {
  const args = [...KUBECTL, join(dir, root)];
  let out: string;
  try {
    out = execFileSync("kubectl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === "ENOENT")
      throw new Error(
        "the render check needs `kubectl kustomize` (kubectl with kustomize v5); kubectl is not on PATH",
      );
    throw new Error(`kubectl ${args.join(" ")} failed: ${e.stderr ?? String(err)}`);
  }
  return normalized(parseAllDocuments(out).map((d) => d.toJS() as unknown));
}

/**
 * Generated ConfigMaps carry a content hash in their name (and kustomize rewrites references to
 * it): the hash becomes "<hash>" so a changed values file is one changed object, not a new one.
 * Data that is a YAML map (a Helm values file) is compared parsed.
 */
function normalized(docs: unknown[]): unknown[] {
  let text = JSON.stringify(docs);
  for (const d of docs) {
    const v = (d ?? {}) as Obj;
    const name = ((v.metadata ?? {}) as Obj).name;
    if (
      (v.kind === "ConfigMap" || v.kind === "Secret") &&
      typeof name === "string" &&
      /-[a-z0-9]{10}$/.test(name)
    )
      text = text.split(JSON.stringify(name)).join(JSON.stringify(`${name.slice(0, -10)}<hash>`));
  }
  const out = JSON.parse(text) as Obj[];
  for (const d of out)
    if (d?.kind === "ConfigMap" && d.data && typeof d.data === "object")
      for (const [k, v] of Object.entries(d.data as Obj)) {
        if (typeof v !== "string" || !/\.ya?ml$/.test(k)) continue;
        try {
          (d.data as Obj)[k] = parseAllDocuments(v)[0]?.toJS() ?? null;
        } catch {}
      }
  return out;
}

type Obj = Record<string, unknown>;

function keyOf(o: unknown): string {
  const v = (o ?? {}) as Obj;
  const meta = (v.metadata ?? {}) as Obj;
  return `${v.kind}/${meta.namespace ?? ""}/${meta.name}`;
}

/** The object with the given pointers removed; a "*" segment stands for every list item or key. */
export function without(o: unknown, fields: string[]): unknown {
  const copy = structuredClone(o);
  const drop = (node: unknown, segs: string[]) => {
    if (!node || typeof node !== "object") return;
    const [head, ...rest] = segs as [string, ...string[]];
    const keys = head === "*" ? Object.keys(node) : [head];
    for (const k of keys) {
      if (rest.length === 0) delete (node as Obj)[k];
      else drop((node as Obj)[k], rest);
    }
  };
  for (const f of fields) drop(copy, f.slice(1).split("/"));
  return copy;
}

function byKey(docs: unknown[]): Map<string, unknown> {
  return new Map(docs.filter((d) => d && typeof d === "object").map((d) => [keyOf(d), d]));
}

/** What changed per root, as "root: kind/ns/name" lines; throws on any change outside the intent. */
export function renderCheck(
  before: readonly RepoFile[],
  after: readonly RepoFile[],
  target: RenderTarget,
): string[] {
  const beforeIndex = indexRepository(before);
  const roots = [...viewOf(beforeIndex).roots].map((f) => dirname(f).replace(/^\.$/, ""));
  const [a, b] = [writeTree(before), writeTree(after)];
  const targetKey = `${target.object.kind}/${target.object.namespace ?? ""}/${target.object.name}`;
  const changed: string[] = [];
  try {
    const compare = (
      where: string,
      was: Map<string, unknown>,
      now: Map<string, unknown>,
      targeted: boolean,
    ) => {
      expectSameKeys(where, was, now, target.added ?? []);
      for (const [key, old] of was) {
        const neu = now.get(key);
        const same = JSON.stringify(old) === JSON.stringify(neu);
        if (same) continue;
        const allowed = targeted && key === targetKey;
        if (
          !allowed ||
          JSON.stringify(without(old, target.fields)) !== JSON.stringify(without(neu, target.fields))
        )
          throw new Error(
            `render check: ${where}: ${key} changed outside the intended fields ${target.fields.join(", ")}\nbefore: ${JSON.stringify(old)}\nafter:  ${JSON.stringify(neu)}`,
          );
        changed.push(`${where || "/"}: ${key}`);
      }
    };
    for (const root of roots)
      compare(root, byKey(render(a, root)), byKey(render(b, root)), target.roots.includes(root));
    // Plain manifests: what no kustomization renders, as parsed from the files.
    const plain = (files: readonly RepoFile[]) => {
      const index = indexRepository(files);
      const view = viewOf(index);
      return byKey(view.renderings.filter((r) => !r.root).map((r) => r.doc.value));
    };
    compare("", plain(before), plain(after), target.roots.includes(""));
    checkValuesFiles(before, after, target.valuesFields ?? []);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
  const missing = target.roots.filter((r) => !changed.some((c) => c.startsWith(`${r || "/"}: ${targetKey}`)));
  if (missing.length)
    throw new Error(
      `render check: ${targetKey} did not change in ${missing.map((r) => r || "/").join(", ")} (changed: ${changed.join("; ") || "nothing"})`,
    );
  return changed;
}

function expectSameKeys(
  where: string,
  was: Map<string, unknown>,
  now: Map<string, unknown>,
  added: readonly string[],
): void {
  const a = [...was.keys()].sort().join("\n");
  // A new file's object comes out in the root's namespace, with its namePrefix and nameSuffix.
  const isAdded = (k: string) =>
    added.some((x) => {
      const [kind, , name] = x.split("/") as [string, string, string];
      const [rkind, , rname] = k.split("/") as [string, string, string];
      return kind === rkind && rname.includes(name);
    });
  const b = [...now.keys()]
    .filter((k) => was.has(k) || !isAdded(k))
    .sort()
    .join("\n");
  if (a !== b)
    throw new Error(
      `render check: ${where || "/"}: the set of rendered objects changed\nbefore:\n${a}\nafter:\n${b}`,
    );
}

/** Helm values files (YAML without a kind): parsed before and after, equal but for the allowed pointers. */
function checkValuesFiles(before: readonly RepoFile[], after: readonly RepoFile[], fields: string[]): void {
  const now = new Map(after.map((f) => [f.path, f.content]));
  for (const f of before) {
    const neu = now.get(f.path);
    if (neu === undefined || neu === f.content || !/\.ya?ml$/.test(f.path) || isKustomizationFile(f.path))
      continue;
    const [old, fresh] = [f.content, neu].map((c) => parseAllDocuments(c).map((d) => d.toJS() as unknown));
    // Kubernetes objects and JSON 6902 patches are judged by what kustomize renders.
    if (
      (old as unknown[]).some((d) => !d || typeof d !== "object" || Array.isArray(d) || "kind" in (d as Obj))
    )
      continue;
    if (JSON.stringify(without(old?.[0], fields)) !== JSON.stringify(without(fresh?.[0], fields)))
      throw new Error(
        `render check: values file ${f.path} changed outside ${fields.join(", ") || "(nothing allowed)"}`,
      );
  }
}

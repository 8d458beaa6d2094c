// What a rollback may restore. The metadata block says which fields a merged proposal changed and
// their originals; it is believed only where costopt's own commit (its diff against its parent,
// read through the forge) and the ledger say the same, and only for fields costopt itself edits
// (resources, replicas, HPA minReplicas, node affinity, tolerations, registering the files it
// created) in the policy's workload documents. Anything else is refused with the reason.

import { isDeepStrictEqual } from "node:util";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { parse } from "yaml";
import type { Forge } from "../forge/types.js";
import { documentLabel } from "../manifests/errors.js";
import type { Located, RepoIndex } from "../manifests/types.js";
import type { FieldChange, Store } from "../state/types.js";
import { documents, valueAt } from "./fields.js";
import type { ProposalMetadata } from "./metadata.js";
import { commitTrailer } from "./proposals.js";

const { applyOperation, deepClone } = fastJsonPatch;

export type Checked = { ok: true } | { ok: false; problems: string[] };

function opFor(f: FieldChange): Operation {
  if (f.after === undefined) return { op: "remove", path: f.pointer };
  if (f.before === undefined) return { op: "add", path: f.pointer, value: f.after };
  return { op: "replace", path: f.pointer, value: f.after };
}

/** Whether the fields, applied to the parent's documents, give exactly the commit's documents. */
function describesFile(path: string, before: string, after: string, fields: FieldChange[]): string[] {
  let was: unknown[];
  let now: unknown[];
  try {
    was = documents(before);
    now = documents(after);
  } catch (err) {
    return [`${path} cannot be read at costopt's commit (${(err as Error).message.split("\n")[0]})`];
  }
  if (was.length !== now.length) return [`${path}: costopt's commit adds or removes documents`];
  const state = was.map((d) => deepClone(d));
  for (const f of fields) {
    const current = valueAt(state[f.document], f.pointer);
    if (f.document >= state.length || (f.before !== undefined && !isDeepStrictEqual(current, f.before)))
      return [
        `${path} (${documentLabel(f.document)}) ${f.pointer}: the recorded original is not what costopt's commit changed`,
      ];
    try {
      state[f.document] = applyOperation(state[f.document], opFor(f), false, true).newDocument;
    } catch {
      return [
        `${path} (${documentLabel(f.document)}) ${f.pointer}: not a field of the file costopt's commit changed`,
      ];
    }
  }
  return state.every((d, i) => isDeepStrictEqual(d, now[i]))
    ? []
    : [`${path}: costopt's commit changes more (or other values) than its description records`];
}

/**
 * Checks the metadata against the merged commit costopt authored (meta.head on meta.base) and the
 * ledger. A forged or edited block never verifies (metadata.ts), and a genuine one is still held
 * against what the commit really did.
 */
export async function checkAgainstCommit(
  forge: Forge,
  store: Store,
  pullRequest: number,
  meta: ProposalMetadata,
): Promise<Checked> {
  const problems: string[] = [];
  const commit = await forge.commit(meta.head).catch(() => undefined);
  if (
    commit?.parents.length !== 1 ||
    commit.parents[0] !== meta.base ||
    !commit.message.includes(commitTrailer(meta.policy, meta.fingerprint))
  )
    return {
      ok: false,
      problems: [`commit ${meta.head.slice(0, 12)} is not costopt's own commit for this proposal`],
    };
  const named = new Set([...meta.fields.map((f) => f.path), ...meta.createdFiles]);
  const changed = await forge.changedPaths(meta.base, meta.head);
  const unnamed = changed.filter((p) => !named.has(p));
  const untouched = [...named].filter((p) => !changed.includes(p));
  if (unnamed.length > 0)
    problems.push(`costopt's commit changes files its description does not name: ${unnamed.join(", ")}`);
  if (untouched.length > 0) problems.push(`costopt's commit does not change ${untouched.join(", ")}`);
  if (problems.length > 0) return { ok: false, problems };
  const paths = [...named];
  const [before, after] = await Promise.all([
    forge.filesAt(meta.base, paths),
    forge.filesAt(meta.head, paths),
  ]);
  for (const path of meta.createdFiles)
    if (before.get(path) !== null || after.get(path) === null)
      problems.push(`${path} was not created by costopt's commit`);
  const byFile = new Map<string, FieldChange[]>();
  for (const f of meta.fields) byFile.set(f.path, [...(byFile.get(f.path) ?? []), f]);
  for (const [path, fields] of byFile) {
    const was = before.get(path);
    const now = after.get(path);
    if (was == null || now == null) problems.push(`${path} is not a file costopt's commit edited`);
    else problems.push(...describesFile(path, was, now, fields));
  }
  const entry = (await store.applied(meta.policy)).find((e) => e.pullRequest === pullRequest);
  if (
    entry &&
    (entry.fingerprint !== meta.fingerprint ||
      !isDeepStrictEqual(JSON.parse(JSON.stringify(entry.fields)), JSON.parse(JSON.stringify(meta.fields))))
  )
    problems.push("the ledger records different changes for this pull request than its description");
  return problems.length > 0 ? { ok: false, problems } : { ok: true };
}

// ---- scope: which fields costopt edits, in which documents ----

const decode = (s: string) => s.replace(/~1/g, "/").replace(/~0/g, "~");
const segments = (pointer: string) => (pointer === "" ? [] : pointer.slice(1).split("/").map(decode));

/** A resources/replicas/minReplicas/affinity/tolerations field, wherever the workload keeps it. */
function costoptField(path: readonly string[]): boolean {
  const last = path[path.length - 1];
  const i = path.lastIndexOf("resources");
  if (
    i >= 0 &&
    ["requests", "limits"].includes(path[i + 1] ?? "") &&
    ["cpu", "memory"].includes(path[i + 2] ?? "")
  )
    return path.length === i + 3;
  if (last === "replicas" || last === "replicaCount" || last === "minReplicas") return true;
  // A kustomization's replicas: [{ name, count }] entry.
  if (last === "count" && path[0] === "replicas") return true;
  return (
    path.includes("tolerations") || path.slice(0, -1).includes("nodeAffinity") || last === "nodeAffinity"
  );
}

/** Every leaf where a and b differ, as key paths (a YAML string that holds a mapping is looked into). */
function differences(a: unknown, b: unknown, at: string[], out: string[][]): void {
  if (isDeepStrictEqual(a, b)) return;
  if (typeof a === "string" && typeof b === "string") {
    const pa = safeParse(a);
    const pb = safeParse(b);
    if (pa !== undefined && pb !== undefined && typeof pa === "object" && typeof pb === "object") {
      differences(pa, pb, at, out);
      return;
    }
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (isObj(a) || isObj(b)) {
    // A JSON 6902 operation: its `path` says which field it sets.
    const op = [b, a].find((v) => isObj(v) && typeof v.op === "string" && typeof v.path === "string") as
      | { path: string }
      | undefined;
    if (op) {
      out.push(segments(op.path));
      return;
    }
    const ka = isObj(a) ? Object.keys(a) : [];
    const kb = isObj(b) ? Object.keys(b) : [];
    // An empty object or list that appears or goes is itself a change at this path.
    if (ka.length === 0 && kb.length === 0) {
      out.push(at);
      return;
    }
    for (const k of new Set([...ka, ...kb]))
      differences(isObj(a) ? a[k] : undefined, isObj(b) ? b[k] : undefined, [...at, k], out);
    return;
  }
  out.push(at);
}

function safeParse(text: string): unknown {
  try {
    return parse(text, { maxAliasCount: 50 });
  } catch {
    return undefined;
  }
}

/** The (file, document) pairs where the located workload's fields live. */
export function workloadDocuments(located: Located): Set<string> {
  const docs = new Set<string>();
  const add = (s: { file: string; docIndex: number }) => docs.add(`${s.file}#${s.docIndex}`);
  located.definedIn.forEach(add);
  for (const c of located.containers) for (const sites of Object.values(c.sites)) sites.forEach(add);
  located.replicas.sites.forEach(add);
  if (located.replicas.hpa) {
    add(located.replicas.hpa);
    located.replicas.hpa.minReplicasSites.forEach(add);
  }
  located.placement.nodeAffinity.forEach(add);
  located.placement.tolerations.forEach(add);
  return docs;
}

/** A kustomization entry naming a file the change created (its revert removes both). */
function registersCreated(f: FieldChange, index: RepoIndex, created: readonly string[]): boolean {
  if (!index.kustomizations.has(f.path) || f.document !== 0 || f.before !== undefined) return false;
  const s = segments(f.pointer);
  if (s.length > 2 || !["resources", "patches", "components"].includes(s[0] as string)) return false;
  // One entry appended (/resources/3), or the whole list added where there was none (/patches).
  const entries = s.length === 1 ? (Array.isArray(f.after) ? f.after : []) : [f.after];
  const dir = f.path.includes("/") ? f.path.slice(0, f.path.lastIndexOf("/") + 1) : "";
  return (
    entries.length > 0 &&
    entries.every((entry) => {
      const named = typeof entry === "string" ? entry : (entry as { path?: unknown } | null)?.path;
      return typeof named === "string" && created.includes(`${dir}${named.replace(/^\.\//, "")}`);
    })
  );
}

/** Why each field is outside what costopt edits for this workload; empty when all are inside. */
export function outOfScope(
  fields: readonly FieldChange[],
  createdFiles: readonly string[],
  index: RepoIndex,
  located: Located,
): string[] {
  const docs = workloadDocuments(located);
  const problems: string[] = [];
  for (const f of fields) {
    if (registersCreated(f, index, createdFiles)) continue;
    const where = `${f.path} (${documentLabel(f.document)}) ${f.pointer}`;
    if (!docs.has(`${f.path}#${f.document}`)) {
      problems.push(`${where} is not in the documents of the policy's workload`);
      continue;
    }
    const changed: string[][] = [];
    differences(f.before, f.after, segments(f.pointer), changed);
    const bad = changed.filter((p) => !costoptField(p));
    if (bad.length > 0)
      problems.push(
        `${where} changes ${bad.map((p) => `/${p.join("/")}`).join(", ")}, which costopt does not edit`,
      );
  }
  return problems;
}

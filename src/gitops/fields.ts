// From a plan's file edits to the list of fields it changes with their original values (what the
// metadata block and the ledger keep), and back: the edits that restore exactly those originals.

import { isDeepStrictEqual } from "node:util";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { parseAllDocuments } from "yaml";
import { documentLabel } from "../manifests/errors.js";
import { patchDocument } from "../manifests/patch.js";
import type { FieldChange } from "../state/types.js";

const { applyOperation, deepClone, getValueByPointer } = fastJsonPatch;

/** The shape of a manifests plan's file edit (src/manifests/types.ts FileEdit). */
export interface PlannedEdit {
  path: string;
  before: string;
  after: string;
  created: boolean;
  operations: { docIndex: number; ops: Operation[] }[];
}

export interface RevertEdit {
  path: string;
  before: string;
  /** null deletes the file (it was created by the change being reverted). */
  after: string | null;
}

/** Every YAML document of a file as plain data (alias expansion capped by the yaml library; throws on bad input). */
export function documents(content: string): unknown[] {
  return parseAllDocuments(content).map((d) => ("toJS" in d ? d.toJS() : null));
}

/** The value at a JSON pointer, or undefined where there is none. */
export function valueAt(root: unknown, pointer: string): unknown {
  try {
    return getValueByPointer(root, pointer);
  } catch {
    return undefined;
  }
}

/** "/items/-" -> "/items/3": an append is recorded at the index it landed on, so it can be removed. */
function resolveAppend(state: unknown, pointer: string): string {
  if (!pointer.endsWith("/-")) return pointer;
  const parent = valueAt(state, pointer.slice(0, -2));
  return `${pointer.slice(0, -1)}${Array.isArray(parent) ? parent.length : 0}`;
}

/** Every field the edits change, with its value before and after, in the order applied. */
export function fieldChanges(edits: readonly PlannedEdit[]): FieldChange[] {
  const out: FieldChange[] = [];
  for (const edit of edits) {
    if (edit.created) continue;
    const docs = documents(edit.before);
    for (const { docIndex, ops } of edit.operations) {
      let state = deepClone(docs[docIndex] ?? {});
      for (const op of ops) {
        if (op.op !== "add" && op.op !== "replace" && op.op !== "remove") continue;
        const pointer = op.op === "add" ? resolveAppend(state, op.path) : op.path;
        const before = valueAt(state, pointer);
        const after = op.op === "remove" ? undefined : deepClone(op.value);
        out.push({
          path: edit.path,
          document: docIndex,
          pointer,
          ...(before !== undefined && !(op.op === "add" && /\/\d+$/.test(pointer)) ? { before } : {}),
          ...(after !== undefined ? { after } : {}),
        });
        state = applyOperation(state, { ...op, path: pointer } as Operation, false, true).newDocument;
      }
    }
  }
  return out;
}

export type RevertPlan = { ok: true; edits: RevertEdit[] } | { ok: false; conflicts: string[] };

function show(value: unknown): string {
  return value === undefined ? "(not set)" : JSON.stringify(value);
}

/**
 * The edits that put back the originals of `fields` (and delete `createdFiles`) on top of the
 * current files. Refuses, listing every conflict, when a field no longer holds the value the
 * merged change wrote: someone changed it since, and a revert would silently undo their work.
 */
export function planRevert(
  files: ReadonlyMap<string, string>,
  fields: readonly FieldChange[],
  createdFiles: readonly string[],
): RevertPlan {
  const conflicts: string[] = [];
  const byFile = new Map<string, FieldChange[]>();
  for (const f of fields) byFile.set(f.path, [...(byFile.get(f.path) ?? []), f]);
  const edits: RevertEdit[] = [];
  for (const [path, changes] of byFile) {
    const content = files.get(path);
    if (content === undefined) {
      conflicts.push(`${path} no longer exists`);
      continue;
    }
    let docs: unknown[];
    try {
      docs = documents(content);
    } catch (err) {
      conflicts.push(`${path} cannot be read (${(err as Error).message.split("\n")[0]})`);
      continue;
    }
    const opsByDoc = new Map<number, Operation[]>();
    // Undo in reverse order, so appends and nested adds come off the way they went on.
    for (const f of [...changes].reverse()) {
      const now = valueAt(docs[f.document], f.pointer);
      if (!isDeepStrictEqual(now, f.after)) {
        conflicts.push(
          `${path} (${documentLabel(f.document)}) ${f.pointer} is now ${show(now)}, not ${show(f.after)}`,
        );
        continue;
      }
      const op: Operation =
        f.before === undefined
          ? { op: "remove", path: f.pointer }
          : f.after === undefined
            ? { op: "add", path: f.pointer, value: f.before }
            : { op: "replace", path: f.pointer, value: f.before };
      opsByDoc.set(f.document, [...(opsByDoc.get(f.document) ?? []), op]);
    }
    let after = content;
    for (const [doc, ops] of opsByDoc) after = patchDocument(after, doc, ops, path);
    if (after !== content) edits.push({ path, before: content, after });
  }
  for (const path of createdFiles) {
    const content = files.get(path);
    if (content !== undefined) edits.push({ path, before: content, after: null });
  }
  return conflicts.length > 0 ? { ok: false, conflicts } : { ok: true, edits };
}

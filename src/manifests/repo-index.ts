// indexRepository: every Kubernetes document in a list of {path, content}, the kustomizations
// and Helm charts among them, and the files it had to skip (with the reason, line and column).
// One bad file never stops the rest of the repository from being indexed.

import type { Document } from "yaml";
import { documentLabel } from "./errors.js";
import { fastParseDocuments, LEADING_ZERO } from "./fast-yaml.js";
import { isKustomizationFile, readKustomization } from "./kustomization.js";
import { dirOf, isUnder, repoPath } from "./paths.js";
import { isRecord } from "./pointer.js";
import type { IndexedDocument, IndexedFile, IndexOptions, RepoFile, RepoIndex, Skipped } from "./types.js";
import { leadingZeroPointers, parseStream, type YamlProblem } from "./yaml-stream.js";

export const DEFAULT_MAX_FILE_BYTES = 2 ** 20;

function isYamlPath(path: string): boolean {
  return /\.ya?ml$/i.test(path) || isKustomizationFile(path);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function describe(file: string, docIndex: number, pointer: string, value: unknown): IndexedDocument {
  const doc: IndexedDocument = { file, docIndex, pointer, value };
  if (!isRecord(value)) return doc;
  const meta = isRecord(value.metadata) ? value.metadata : {};
  const fields = {
    apiVersion: str(value.apiVersion),
    kind: str(value.kind),
    name: str(meta.name),
    namespace: str(meta.namespace),
  };
  for (const [k, v] of Object.entries(fields))
    if (v !== undefined) (doc as unknown as Record<string, string>)[k] = v;
  return doc;
}

// A List (kind: List, or any *List with items) carries its objects under /items.
function documentsOf(
  file: string,
  docIndex: number,
  value: unknown,
  leadingZeros: string[] | undefined,
): IndexedDocument[] {
  const doc = describe(file, docIndex, "", value);
  const docs =
    isRecord(value) && doc.kind?.endsWith("List") && Array.isArray(value.items)
      ? [doc, ...value.items.map((item, i) => describe(file, docIndex, `/items/${i}`, item))]
      : [doc];
  if (leadingZeros?.length) for (const d of docs) d.leadingZeros = leadingZeros;
  return docs;
}

function checkFile(f: RepoFile, path: string, maxBytes: number): Skipped | undefined {
  if (f.content.includes("\u0000"))
    return { path, code: "binary", reason: `${path}: binary file (NUL bytes); skipped` };
  const bytes = Buffer.byteLength(f.content, "utf8");
  if (bytes > maxBytes)
    return {
      path,
      code: "too-large",
      reason: `${path}: ${bytes} bytes is over the ${maxBytes}-byte limit; skipped`,
    };
  return undefined;
}

function parseValues(content: string): { docs: unknown[]; problem?: YamlProblem; leadingZeros?: string[][] } {
  let docs: Document.Parsed[] = [];
  try {
    const parsed = parseStream(content);
    docs = parsed.docs;
    if (parsed.problem) return { docs: [], problem: parsed.problem };
  } catch (err) {
    return { docs: [], problem: thrown(err, 0) };
  }
  // Building the data can throw too (an alias bomb over the yaml library's maxAliasCount, nesting
  // too deep for the stack): that file is skipped and reported like malformed YAML, never the pass.
  const values: unknown[] = [];
  const leadingZeros: string[][] = [];
  for (const [docIndex, d] of docs.entries()) {
    try {
      values.push(d.toJS() as unknown);
      leadingZeros.push(leadingZeroPointers(d, LEADING_ZERO));
    } catch (err) {
      return { docs: [], problem: thrown(err, docIndex) };
    }
  }
  return { docs: values, leadingZeros };
}

function thrown(err: unknown, docIndex: number): YamlProblem {
  const message =
    err instanceof RangeError
      ? "nested too deeply to read"
      : String((err as Error)?.message ?? err).split("\n")[0];
  return { code: "invalid-yaml", message: message ?? "cannot be read", docIndex };
}

export function indexRepository(files: readonly RepoFile[], opts: IndexOptions = {}): RepoIndex {
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const index: RepoIndex = {
    files: new Map(),
    documents: [],
    skipped: [],
    kustomizations: new Map(),
    charts: [],
    symlinks: new Set(),
    ...(opts.repository !== undefined ? { repository: opts.repository } : {}),
    ...(opts.branch !== undefined ? { branch: opts.branch } : {}),
  };
  const chartDirs = new Set<string>();
  const wanted: { f: RepoFile; path: string }[] = [];
  for (const f of files) {
    const path = repoPath(f.path);
    if (path === undefined || path === "") {
      index.skipped.push({
        path: f.path,
        code: "bad-path",
        reason: `${f.path}: not a path inside the repository`,
      });
      continue;
    }
    if (f.symlink) {
      index.symlinks.add(path);
      if (isYamlPath(path))
        index.skipped.push({ path, code: "symlink", reason: `${path}: symbolic link; never followed` });
      continue;
    }
    if (/(^|\/)Chart\.yaml$/.test(path)) chartDirs.add(dirOf(path));
    wanted.push({ f, path });
  }
  // Templates are Go text, not YAML, until Helm renders them.
  const templateDirs = [...chartDirs].map((d) => (d === "" ? "templates" : `${d}/templates`));
  const templates = new Map<string, string>();
  for (const { f, path } of wanted) {
    if (templateDirs.some((d) => isUnder(path, d))) {
      if (/\.(ya?ml|tpl)$/.test(path) && !checkFile(f, path, maxBytes)) templates.set(path, f.content);
      continue;
    }
    if (!isYamlPath(path)) continue;
    const bad = checkFile(f, path, maxBytes);
    if (bad) {
      index.skipped.push(bad);
      continue;
    }
    const fast = fastParseDocuments(f.content);
    const { docs, problem, leadingZeros } = fast
      ? { docs: fast, problem: undefined, leadingZeros: undefined }
      : parseValues(f.content);
    if (problem) {
      const where = problem.line !== undefined ? ` (line ${problem.line}, column ${problem.column})` : "";
      index.skipped.push({
        path,
        code: problem.code === "DUPLICATE_KEY" ? "duplicate-key" : "invalid-yaml",
        reason: `${path}: ${documentLabel(problem.docIndex)}${where}: ${problem.message}; skipped`,
        docIndex: problem.docIndex,
        ...(problem.line !== undefined ? { line: problem.line, column: problem.column as number } : {}),
      });
      continue;
    }
    const documents = docs.flatMap((value, i) => documentsOf(path, i, value, leadingZeros?.[i]));
    index.files.set(path, { path, content: f.content, documents });
    index.documents.push(...documents);
  }
  for (const file of index.files.values()) {
    if (!isKustomizationFile(file.path)) continue;
    const k = readKustomization(file, index.files, index.symlinks);
    if (k) index.kustomizations.set(k.file, k);
  }
  for (const dir of chartDirs) {
    const valuesFiles = [...index.files.keys()].filter(
      (p) => dirOf(p) === dir && /^values(-[^/]*)?\.ya?ml$/.test(p.slice(p.lastIndexOf("/") + 1)),
    );
    const meta = index.files.get(dir === "" ? "Chart.yaml" : `${dir}/Chart.yaml`)?.documents[0]?.value;
    const name = str((meta as { name?: unknown } | undefined)?.name);
    const tdir = dir === "" ? "templates" : `${dir}/templates`;
    index.charts.push({
      dir,
      ...(name ? { name } : {}),
      valuesFiles: valuesFiles.sort(),
      templates: [...templates]
        .filter(([p]) => isUnder(p, tdir))
        .map(([path, content]) => ({ path, content })),
    });
  }
  return index;
}

export type { IndexedFile };

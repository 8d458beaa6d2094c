// Reads CostOptimization policies out of YAML text (one file, any number of documents, `List`
// kinds expanded) keeping each document's file and line, so every message can point at its source.
// Pure: the caller reads the file.

import { isMap, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import { API_VERSION, GROUP, KIND } from "./types.js";

export interface SourceDocument {
  file: string;
  /** 0-based index of the YAML document in the file. */
  index: number;
  /** 1-based line where the document (or List item) starts. */
  line: number;
  value: unknown;
  /** 1-based line of a dotted field path ("spec.maxChangePercent"), or of its nearest present parent. */
  lineOf(fieldPath: string): number;
}

export interface YamlError {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ParsedFile {
  documents: SourceDocument[];
  errors: YamlError[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses every document of a YAML file; a document with a syntax error is reported, not returned. */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const documents: SourceDocument[] = [];
  const errors: YamlError[] = [];
  const lineAt = (offset: number) => lines.linePos(offset).line;
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        const pos = lines.linePos(e.pos[0]);
        errors.push({
          file,
          line: pos.line,
          column: pos.col,
          message: e.message.split("\n")[0] ?? e.message,
        });
      }
      return;
    }
    if (doc.contents === null) return; // an empty document, e.g. a trailing "---"
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    const at = (node: Node | null | undefined) =>
      node?.range ? lineAt(node.range[0]) : lineAt(doc.range[0]);
    const lineOfIn = (root: Node | null, prefix: (string | number)[]) => (fieldPath: string) => {
      const keys = [...prefix, ...fieldPath.split(".").filter((k) => k && k !== "<root>")];
      for (let n = keys.length; n >= 0; n--) {
        const node = n === 0 ? root : (doc.getIn(keys.slice(0, n), true) as Node | undefined);
        if (node) return at(node);
      }
      return at(root);
    };
    // A List's items are documents of their own.
    if (isObject(value) && value.kind === "List" && Array.isArray(value.items) && isMap(doc.contents)) {
      const items = doc.contents.get("items", true);
      value.items.forEach((item, i) => {
        const node = isSeq(items) ? (items.items[i] as Node) : doc.contents;
        documents.push({ file, index, line: at(node), value: item, lineOf: lineOfIn(node, ["items", i]) });
      });
      return;
    }
    documents.push({ file, index, line: at(doc.contents), value, lineOf: lineOfIn(doc.contents, []) });
  });
  return { documents, errors };
}

/** True for documents that are CostOptimizations of any API version (the caller checks the version). */
export function isCostOptimizationKind(value: unknown): boolean {
  return isObject(value) && value.kind === KIND;
}

/** Why a CostOptimization document's apiVersion is not ours, e.g. a policy from the original operator. */
export function apiVersionProblem(value: Obj): string | undefined {
  if (value.apiVersion === API_VERSION) return undefined;
  const group = typeof value.apiVersion === "string" ? value.apiVersion.split("/")[0] : undefined;
  return group === GROUP
    ? `apiVersion: Unsupported value: ${JSON.stringify(value.apiVersion)}: supported values: "${API_VERSION}"`
    : `apiVersion: Unsupported value: ${JSON.stringify(value.apiVersion)}: supported values: "${API_VERSION}" (policies of the original operator move over by changing apiVersion)`;
}

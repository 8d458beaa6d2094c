// Reads CostOptimization policies out of YAML text (one file, any number of documents, `List`
// kinds expanded) keeping each document's file and line, so every message can point at its source.
// Pure: the caller reads the file.

import { isMap, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import { applyDefaults } from "./defaults.js";
import { isObject, type Obj } from "./object.js";
import { policyTarget } from "./target.js";
import { API_VERSION, type CostOptimization, GROUP, KIND } from "./types.js";
import { type ValidationOptions, validatePolicy } from "./validation.js";

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

export interface CheckedPolicy {
  document: SourceDocument;
  /** The policy with defaults applied and the target namespace filled in. */
  policy: CostOptimization;
  /** Violations as "file:line: message", empty when the policy is valid. */
  errors: string[];
  /** Unknown fields as "file:line: warning: ...". */
  warnings: string[];
}

export interface PolicySet {
  /** Every CostOptimization document found, valid or not. */
  checked: CheckedPolicy[];
  /** YAML that could not be parsed, as "file:line:column: cannot parse YAML: ...". */
  parseErrors: string[];
}

/**
 * Finds and checks every CostOptimization in the given files; other kinds are skipped.
 * `defaultNamespace` stands in for metadata.namespace where a file leaves it out.
 */
export function checkPolicies(
  files: { path: string; content: string }[],
  opts: ValidationOptions & { defaultNamespace?: string } = {},
): PolicySet {
  const set: PolicySet = { checked: [], parseErrors: [] };
  for (const file of files) {
    const parsed = parseYamlFile(file.path, file.content);
    for (const e of parsed.errors)
      set.parseErrors.push(`${e.file}:${e.line}:${e.column}: cannot parse YAML: ${e.message}`);
    for (const document of parsed.documents) {
      if (!isCostOptimizationKind(document.value)) continue;
      const value = document.value as Obj;
      const errors: string[] = [];
      const versionProblem = apiVersionProblem(value);
      if (versionProblem) errors.push(`${document.file}:${document.line}: ${versionProblem}`);
      const result = validatePolicy(value, { policyNamespace: opts.defaultNamespace, ...opts });
      for (const v of result.violations)
        errors.push(`${document.file}:${document.lineOf(v.field)}: ${v.message}`);
      const warnings = result.warnings.map((w) => {
        const field = w.replace(/^unknown field "(.*)"$/, "$1");
        return `${document.file}:${document.lineOf(field)}: warning: ${w}`;
      });
      set.checked.push({
        document,
        policy: normalize(value, opts.defaultNamespace ?? "default"),
        errors,
        warnings,
      });
    }
  }
  return set;
}

/** Defaults applied, metadata.namespace and targetWorkload.namespace filled in. */
function normalize(value: Obj, defaultNamespace: string): CostOptimization {
  const policy = applyDefaults(value) as unknown as CostOptimization;
  policy.metadata.namespace ??= defaultNamespace;
  if (policy.spec?.targetWorkload && typeof policy.spec.targetWorkload === "object")
    policy.spec.targetWorkload.namespace ??= policy.metadata.namespace;
  return policy;
}

const policyName = (p: CostOptimization) => `${p.metadata.namespace ?? "default"}/${p.metadata.name}`;
const targetName = (p: CostOptimization) => {
  const t = policyTarget(p);
  return `${t.kind} ${t.namespace}/${t.name}`;
};

/**
 * One warning per policy whose workload an earlier policy of the set already targets, naming
 * both: their pull requests would edit the same fields.
 */
export function overlapWarnings(set: PolicySet): string[] {
  const first = new Map<string, CheckedPolicy>();
  const out: string[] = [];
  for (const c of set.checked) {
    if (!c.policy.spec?.targetWorkload) continue;
    const key = targetName(c.policy);
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, c);
      continue;
    }
    out.push(
      `${c.document.file}:${c.document.lineOf("spec.targetWorkload")}: warning: spec.targetWorkload: ${key} is also targeted by ${policyName(earlier.policy)} (${earlier.document.file}:${earlier.document.line}); their pull requests would edit the same fields, so \`costopt run\` proposes only for ${policyName(earlier.policy)}: keep one policy per workload`,
    );
  }
  return out;
}

export interface LoadedPolicies {
  /** Valid policies, in the order they were read. */
  policies: CostOptimization[];
  /** Parse errors and violations: these policies are not used (exit 1). */
  problems: string[];
  /** What `validate` warns about (unknown fields such as `dryrun`, overlapping targets). */
  warnings: string[];
}

/**
 * The one way every command (validate, recommend, run, serve) turns policy files into policies:
 * the admission rules, the unknown-field and overlap warnings, and the problems.
 */
export function loadPolicies(
  files: { path: string; content: string }[],
  opts: ValidationOptions & { defaultNamespace?: string } = {},
): LoadedPolicies {
  return policiesOf(checkPolicies(files, opts));
}

/** The policies of a checked set (maybe narrowed, e.g. to namespaces), with problems and warnings. */
export function policiesOf(set: PolicySet): LoadedPolicies {
  return {
    ...validPolicies(set),
    warnings: [...set.checked.flatMap((c) => c.warnings), ...overlapWarnings(set)],
  };
}

/**
 * The policies that may open pull requests: of several that would write to one workload, the
 * first read; the others are problems naming the one kept (a dry run writes nothing, so it is kept).
 */
export function oneWriterPerWorkload(policies: CostOptimization[]): {
  policies: CostOptimization[];
  problems: string[];
} {
  const writer = new Map<string, CostOptimization>();
  const kept: CostOptimization[] = [];
  const problems: string[] = [];
  for (const p of policies) {
    const key = targetName(p);
    const earlier = writer.get(key);
    if (p.spec.dryRun) kept.push(p);
    else if (earlier)
      problems.push(
        `${policyName(p)}: not run: ${key} is also targeted by ${policyName(earlier)}, which proposes for it (keep one policy per workload)`,
      );
    else {
      writer.set(key, p);
      kept.push(p);
    }
  }
  return { policies: kept, problems };
}

/** Loaded policies narrowed to those that may open pull requests (run, serve): one writer per workload. */
export function proposingOnly(loaded: LoadedPolicies): LoadedPolicies {
  const writers = oneWriterPerWorkload(loaded.policies);
  return { ...loaded, policies: writers.policies, problems: [...loaded.problems, ...writers.problems] };
}

/** loadPolicies for the commands that open pull requests (run, serve). */
export function loadProposingPolicies(
  files: { path: string; content: string }[],
  opts: ValidationOptions & { defaultNamespace?: string } = {},
): LoadedPolicies {
  return proposingOnly(loadPolicies(files, opts));
}

/** The valid policies of a set, and a line per problem (parse errors and violations) for the rest. */
export function validPolicies(set: PolicySet): { policies: CostOptimization[]; problems: string[] } {
  const problems = [...set.parseErrors];
  const policies: CostOptimization[] = [];
  for (const c of set.checked) {
    if (c.errors.length === 0) policies.push(c.policy);
    else problems.push(...c.errors);
  }
  return { policies, problems };
}

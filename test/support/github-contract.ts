// GitHub's published API descriptions as the referee of every GitHub test: a request a test sends
// and a response a test double returns are checked against the REST OpenAPI description
// (@octokit/openapi, api.github.com) and the GraphQL schema (@octokit/graphql-schema). A double
// that answers with a shape GitHub never returns fails its test, so code that reads a real field
// cannot pass against a double that lacks it.
//
// The checks are plain functions returning problems (empty = conforms); `record()` collects them
// for the afterEach in test/setup.ts, which fails the test that produced any.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import {
  buildClientSchema,
  execute,
  type GraphQLAbstractType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  Kind,
  parse,
  type SelectionSetNode,
  validate,
} from "graphql";

const require = createRequire(import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: OpenAPI documents are arbitrary JSON
type Json = any;

export interface RestRequest {
  method: string;
  /** Path with query string, as sent (e.g. /repos/o/r/pulls?state=all). */
  url: string;
  body?: unknown;
}

export interface RestResponse {
  status: number;
  body: unknown;
  /** The response's content type; only JSON bodies are checked against schemas. */
  contentType?: string;
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  literal: number;
  spec: Json;
}

let rest:
  | { spec: Json; ajv: Ajv; operations: Operation[]; compiled: Map<string, ValidateFunction> }
  | undefined;

function restSpec() {
  if (rest) return rest;
  const spec = require("@octokit/openapi/generated/api.github.com.json");
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: "gh", components: jsonSchema(spec.components) });
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(spec.paths)) {
    const names: string[] = [];
    const source = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_, name) => {
      names.push(name);
      return "([^/]+)";
    });
    for (const method of ["get", "post", "put", "patch", "delete"])
      if (item[method])
        operations.push({
          method: method.toUpperCase(),
          template,
          pattern: new RegExp(`^${source}$`),
          names,
          literal: template.replace(/\{[^}]+\}/g, "").length,
          spec: item[method],
        });
  }
  // The most specific template first: /pulls/comments before /pulls/{pull_number}.
  operations.sort((a, b) => b.literal - a.literal);
  rest = { spec, ajv, operations, compiled: new Map() };
  return rest;
}

/** Refs inside a piece cut out of the document point into the "gh" schema added above. */
function rebase(schema: Json): Json {
  return jsonSchema(JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"gh#/components/')));
}

/** OpenAPI 3.0's `nullable` in JSON Schema terms (Ajv accepts it only beside a `type`). */
function jsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(jsonSchema);
  if (!node || typeof node !== "object") return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = jsonSchema(v);
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

function deref(node: Json): Json {
  const ref = node?.$ref as string | undefined;
  if (!ref) return node;
  let out = restSpec().spec;
  for (const part of ref.replace(/^#\//, "").split("/"))
    out = out[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  return out;
}

function validator(key: string, schema: Json): ValidateFunction {
  const r = restSpec();
  let v = r.compiled.get(key);
  if (!v) {
    v = r.ajv.compile(rebase(schema));
    r.compiled.set(key, v);
  }
  return v;
}

function errorsOf(v: ValidateFunction, value: unknown): string[] {
  if (v(value)) return [];
  return (v.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

function operationFor(method: string, path: string) {
  for (const op of restSpec().operations) {
    if (op.method !== method) continue;
    const m = op.pattern.exec(path);
    if (m)
      return {
        op,
        params: Object.fromEntries(op.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")])),
      };
  }
  return undefined;
}

function split(url: string): { path: string; query: URLSearchParams } {
  const u = new URL(url, "https://api.github.com");
  // GitHub Enterprise serves the same API under /api/v3.
  return { path: u.pathname.replace(/^\/api\/v3(?=\/)/, ""), query: u.searchParams };
}

/** Problems with a REST request: unknown endpoint, bad path or query parameter, bad body. */
export function checkRestRequest(req: RestRequest): string[] {
  const { path, query } = split(req.url);
  const found = operationFor(req.method.toUpperCase(), path);
  if (!found) return [`${req.method} ${path}: no such endpoint in GitHub's REST API`];
  const { op, params } = found;
  const where = `${op.method} ${op.template}`;
  const problems: string[] = [];
  const declared = ((op.spec.parameters ?? []) as Json[]).map(deref);
  for (const p of declared) {
    const raw = p.in === "path" ? params[p.name] : p.in === "query" ? query.get(p.name) : undefined;
    if (p.in !== "path" && p.in !== "query") continue;
    if (raw === undefined || raw === null) {
      if (p.required) problems.push(`${where}: missing ${p.in} parameter ${p.name}`);
      continue;
    }
    const type = p.schema?.type;
    const value =
      type === "integer" || type === "number" ? Number(raw) : type === "boolean" ? raw === "true" : raw;
    if (
      (type === "integer" && !Number.isInteger(value)) ||
      (type === "boolean" && raw !== "true" && raw !== "false")
    )
      problems.push(`${where}: ${p.name}=${raw} is not a ${type}`);
    else
      for (const e of errorsOf(validator(`${where} param ${p.name}`, p.schema ?? {}), value))
        problems.push(`${where}: parameter ${p.name}=${raw}: ${e}`);
  }
  for (const name of query.keys())
    if (!declared.some((p) => p.in === "query" && p.name === name))
      problems.push(`${where}: unknown query parameter ${name}`);
  const schema = op.spec.requestBody?.content?.["application/json"]?.schema;
  const hasBody = req.body !== undefined && req.body !== null && req.body !== "";
  if (schema && hasBody) {
    for (const e of errorsOf(validator(`${where} body`, schema), req.body))
      problems.push(`${where} body: ${e}`);
    for (const field of unknownFields(schema, req.body))
      problems.push(`${where} body: unknown field ${field}`);
  } else if (op.spec.requestBody?.required && !hasBody) problems.push(`${where}: body required`);
  else if (!schema && hasBody && op.method !== "GET") problems.push(`${where}: takes no JSON body`);
  return problems;
}

// Any endpoint may answer these (authentication, rate limits, outages) even where undocumented.
const GENERIC_ERRORS = new Set([401, 403, 404, 429, 500, 502, 503]);

/** Problems with a response a double gives to a request: an undocumented status or a wrong shape. */
export function checkRestResponse(req: RestRequest, res: RestResponse): string[] {
  const { path } = split(req.url);
  const found = operationFor(req.method.toUpperCase(), path);
  if (!found) return [];
  const where = `${found.op.method} ${found.op.template} -> ${res.status}`;
  const documented = found.op.spec.responses?.[String(res.status)];
  if (!documented) {
    if (!GENERIC_ERRORS.has(res.status)) return [`${where}: GitHub does not answer this status here`];
    const b = res.body as { message?: unknown } | undefined;
    return typeof b?.message === "string" ? [] : [`${where}: an error answer carries a message`];
  }
  if (res.contentType && !/json/.test(res.contentType)) return [];
  const schema = deref(documented).content?.["application/json"]?.schema;
  if (!schema) {
    if (res.status === 204 && res.body !== undefined && res.body !== "" && res.body !== null)
      return [`${where}: 204 has no body`];
    return [];
  }
  return [
    ...errorsOf(validator(where, schema), res.body).map((e) => `${where} body: ${e}`),
    ...unknownFields(schema, res.body).map((f) => `${where} body: ${f} is not a field GitHub sends`),
  ];
}

/**
 * The paths of fields in `value` that `schema` does not declare, at every depth (GitHub's
 * schemas leave objects open, so a misspelt nested field would pass the schema alone). An
 * object that allows additional properties, or declares none, is taken as free-form; the
 * branches of allOf, anyOf and oneOf are read together.
 */
function unknownFields(schema: Json, value: unknown, at = ""): string[] {
  const s = deref(schema);
  if (!s || typeof s !== "object" || value === null || typeof value !== "object") return [];
  if (Array.isArray(value))
    return s.items ? value.flatMap((item, i) => unknownFields(s.items, item, `${at}/${i}`)) : [];
  const properties = new Map<string, Json>();
  let open = s.additionalProperties !== undefined && s.additionalProperties !== false;
  const collect = (node: Json) => {
    const n = deref(node);
    if (!n || typeof n !== "object") return;
    if (n.additionalProperties !== undefined && n.additionalProperties !== false) open = true;
    for (const [k, v] of Object.entries<Json>(n.properties ?? {}))
      if (!properties.has(k)) properties.set(k, v);
    for (const branch of [...(n.allOf ?? []), ...(n.anyOf ?? []), ...(n.oneOf ?? [])]) collect(branch);
  };
  collect(s);
  if (open || properties.size === 0) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => {
    const declared = properties.get(k);
    return declared === undefined ? [`${at}/${k}`] : unknownFields(declared, v, `${at}/${k}`);
  });
}

let graphSchema: GraphQLSchema | undefined;

/** GitHub's GraphQL schema, built once. */
export function graphqlSchema(): GraphQLSchema {
  if (!graphSchema) {
    // The package exports only its ESM entry; the introspection JSON sits beside it (its SDL
    // repeats a field, which buildSchema rejects).
    const file = join(dirname(fileURLToPath(import.meta.resolve("@octokit/graphql-schema"))), "schema.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    graphSchema = buildClientSchema(json.data ?? json);
  }
  return graphSchema;
}

/** Problems with a GraphQL document and its variables. */
export function checkGraphqlRequest(query: string, variables: Record<string, unknown> = {}): string[] {
  let doc: ReturnType<typeof parse>;
  try {
    doc = parse(query);
  } catch (err) {
    return [`GraphQL: ${(err as Error).message}`];
  }
  const errors = validate(graphqlSchema(), doc);
  if (errors.length > 0) return errors.map((e) => `GraphQL: ${e.message}`);
  // Executing with no data reports variables of the wrong type or missing required ones.
  const run = execute({ schema: graphqlSchema(), document: doc, variableValues: variables, rootValue: {} });
  const out = run as { errors?: { message: string }[] };
  return (out.errors ?? [])
    .filter((e) => /Variable/.test(e.message))
    .map((e) => `GraphQL variables: ${e.message}`);
}

/** The one concrete type a selection spreads into, for answers that (like GitHub's) carry no __typename. */
function concreteType(
  value: Json,
  info: GraphQLResolveInfo,
  abstract: GraphQLAbstractType,
): string | undefined {
  if (value && typeof value.__typename === "string") return value.__typename;
  const set = info.fieldNodes[0]?.selectionSet as SelectionSetNode | undefined;
  const types = new Set<string>();
  for (const s of set?.selections ?? [])
    if (s.kind === Kind.INLINE_FRAGMENT && s.typeCondition) types.add(s.typeCondition.name.value);
  const possible = [...types].filter((t) => info.schema.getPossibleTypes(abstract).some((p) => p.name === t));
  return possible.length === 1 ? possible[0] : undefined;
}

/**
 * Problems with an answer to a GraphQL document: the data is run through the schema as if GitHub
 * had produced it, so a missing or extra field, a null where the schema forbids one or a value of
 * the wrong type is reported.
 */
export function checkGraphqlResponse(
  query: string,
  variables: Record<string, unknown>,
  body: { data?: unknown; errors?: unknown[] },
): string[] {
  if (body.errors !== undefined) {
    if (!Array.isArray(body.errors) || body.errors.some((e) => typeof (e as Json)?.message !== "string"))
      return ["GraphQL answer: errors must be a list of { message }"];
    // A failed query answers errors with no data, or with data null (the spec allows both).
    if (body.data === undefined || body.data === null) return [];
  }
  if (body.data === undefined || body.data === null) return ["GraphQL answer: no data"];
  const problems: string[] = [];
  const run = execute({
    schema: graphqlSchema(),
    document: parse(query),
    variableValues: variables,
    rootValue: body.data,
    fieldResolver: (source, _args, _ctx, info) => {
      const key = info.path.key as string;
      if (source === null || typeof source !== "object" || !(key in source)) {
        problems.push(`GraphQL answer: ${pathOf(info)} is selected but missing`);
        return null;
      }
      return (source as Json)[key];
    },
    typeResolver: (value, _ctx, info, abstract) => {
      const t = concreteType(value, info, abstract);
      if (!t) problems.push(`GraphQL answer: ${pathOf(info)} needs __typename to tell its type`);
      return t;
    },
  }) as { data?: unknown; errors?: { message: string; path?: readonly (string | number)[] }[] };
  for (const e of run.errors ?? [])
    if (!problems.some((p) => p.includes(e.path?.join(".") ?? "\0")))
      problems.push(`GraphQL answer: ${e.path?.join(".") ?? ""}: ${e.message}`);
  // Whatever the schema would not have produced (an extra field, a coerced value) differs here.
  if (problems.length === 0 && JSON.stringify(strip(run.data)) !== JSON.stringify(strip(body.data)))
    problems.push(
      `GraphQL answer: fields beyond the selection or values GitHub would not send: ${diff(run.data, body.data)}`,
    );
  return problems;
}

function pathOf(info: GraphQLResolveInfo): string {
  const keys: (string | number)[] = [];
  for (let p: GraphQLResolveInfo["path"] | undefined = info.path; p; p = p.prev) keys.unshift(p.key);
  return keys.join(".");
}

/** Drops __typename the double added only for typing; keeps key order out of the comparison. */
function strip(v: Json): Json {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v)
        .filter((k) => k !== "__typename")
        .sort()
        .map((k) => [k, strip(v[k])]),
    );
  return v;
}

function diff(expected: Json, actual: Json, at = ""): string {
  if (actual && typeof actual === "object" && expected && typeof expected === "object") {
    for (const k of Object.keys(actual)) {
      if (k === "__typename") continue;
      if (!(k in expected)) return `${at}.${k} (not selected)`;
      const d = diff(expected[k], actual[k], `${at}.${k}`);
      if (d) return d;
    }
    return "";
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? "" : `${at}: ${JSON.stringify(actual)}`;
}

/** Problems with one exchange, REST or GraphQL (POST /graphql), request and response together. */
export function checkExchange(req: RestRequest, res?: RestResponse): string[] {
  const { path } = split(req.url);
  if (path === "/graphql" && req.method.toUpperCase() === "POST") {
    const b = (typeof req.body === "string" ? JSON.parse(req.body) : req.body) as Json;
    const problems = checkGraphqlRequest(String(b?.query ?? ""), b?.variables ?? {});
    if (res && problems.length === 0 && res.status === 200)
      problems.push(...checkGraphqlResponse(String(b.query), b.variables ?? {}, res.body as Json));
    return problems;
  }
  const body = typeof req.body === "string" && req.body !== "" ? JSON.parse(req.body) : req.body;
  const problems = checkRestRequest({ ...req, body });
  if (res) problems.push(...checkRestResponse({ ...req, body }, res));
  return problems;
}

const recorded: string[] = [];

/** Checks one exchange and keeps its problems for the test's end; returns them too. */
export function record(req: RestRequest, res?: RestResponse): string[] {
  let problems: string[];
  try {
    problems = checkExchange(req, res);
  } catch (err) {
    problems = [`${req.method} ${req.url}: the contract check failed: ${(err as Error).message}`];
  }
  recorded.push(...problems);
  return problems;
}

/** The problems recorded since the last call (test/setup.ts fails a test that left any). */
export function takeViolations(): string[] {
  return recorded.splice(0, recorded.length);
}

// The optional external optimizer, behind the same Recommender interface as the built-in
// engine: POST {baseUrl}/optimize/{workload_id} with the policy's minimum confidence and the
// optimization types, as the original operator called it. Its proposal is then priced,
// stepped and gated exactly like the built-in one by the engine's prepare/conclude; the network
// call lives here, outside the pure engine folder (recommend/).

import { parseCpu, parseMemory } from "../api/quantity.js";
import type { WorkloadRef } from "../api/refs.js";
import { type OptimizationType, RISK_LEVELS, type RiskLevel } from "../api/types.js";
import type { Costs } from "../recommend/cost.js";
import { conclude, NO_DATA_SCORES, prepare } from "../recommend/engine.js";
import type { Recommender, RecommendInput } from "../recommend/recommender.js";
import type { Proposal } from "../recommend/strategies/types.js";
import type { Recommendation } from "../recommend/types.js";

export class ExternalRecommenderError extends Error {
  /** The failure reason costopt_optimizations_failed_total counts it under. */
  readonly reason = "RecommenderFailed";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ExternalRecommenderError";
  }
}

export interface ExternalRecommenderOptions {
  /** e.g. "http://optimizer.costopt.svc:8080" */
  baseUrl: string;
  /** Extra fetch options (headers for auth, a dispatcher...); method, body and signal are set here. */
  fetchOptions?: RequestInit;
  /** Default 10 s. */
  timeoutMs?: number;
  /** The {workload_id} path segment. Default "namespace.name" (a namespace never contains a dot). */
  workloadId?: (w: WorkloadRef) => string;
  /** Injected for tests; the global fetch by default. */
  fetch?: typeof fetch;
}

const TYPE_NAMES: Record<Exclude<OptimizationType, "ALL">, string> = {
  CPU: "right_size_cpu",
  MEMORY: "right_size_memory",
  REPLICAS: "reduce_replicas",
  SPOT_INSTANCES: "spot_instances",
  SCHEDULED_SCALING: "scheduled_scaling",
};

function typeNames(type: OptimizationType): string[] {
  return type === "ALL" ? Object.values(TYPE_NAMES) : [TYPE_NAMES[type]];
}

function typeOf(name: string): OptimizationType | undefined {
  return (Object.entries(TYPE_NAMES) as [OptimizationType, string][]).find(([, n]) => n === name)?.[0];
}

/** One entry of the optimizer's answer, validated. */
interface ExternalRecommendation {
  type: string;
  monthlySavings: number;
  confidence: number;
  risk: { level: RiskLevel; score: number };
  cpuRequest?: number;
  memoryRequest?: number;
  replicas?: number;
}

export class ExternalRecommender implements Recommender {
  readonly name: string;
  constructor(private readonly options: ExternalRecommenderOptions) {
    this.name = `external ${options.baseUrl}`;
  }

  async recommend(input: RecommendInput): Promise<Recommendation> {
    const wanted = typeNames(input.spec.optimizationType);
    const answer = await this.call(input, wanted);
    const chosen = answer.filter((r) => wanted.includes(r.type));
    const prepared = prepare(input);
    if (chosen.length === 0)
      return conclude(
        input,
        {
          ...prepared,
          notEnoughData: `not enough data: the optimizer returned no recommendation for ${wanted.join(", ")}`,
        },
        prepared.base,
        () => NO_DATA_SCORES,
        this.name,
      );
    const draft = applyAnswer(prepared.base, chosen);
    const confidence = Math.min(...chosen.map((r) => r.confidence));
    const worst = chosen.reduce((a, b) =>
      RISK_LEVELS.indexOf(b.risk.level) > RISK_LEVELS.indexOf(a.risk.level) ? b : a,
    );
    const savings = chosen.reduce((sum, r) => sum + r.monthlySavings, 0);
    const detail = `as assessed by the optimizer at ${this.options.baseUrl}`;
    return conclude(
      input,
      // The optimizer has its own data; ours being thin does not veto its answer.
      { ...prepared, notEnoughData: undefined },
      draft,
      () => ({
        confidence: { score: confidence, factors: [{ name: "external", score: confidence, detail }] },
        risk: { ...worst.risk, factors: [{ name: "external", score: worst.risk.score, detail }] },
        costs: (m: Costs) => ({
          currentCost: m.currentCost,
          optimizedCost: Math.round((m.currentCost - savings) * 100) / 100,
          monthlySavings: Math.round(savings * 100) / 100,
        }),
      }),
      this.name,
    );
  }

  private async call(input: RecommendInput, types: string[]): Promise<ExternalRecommendation[]> {
    const id = (this.options.workloadId ?? defaultId)(input.workload.ref);
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}/optimize/${encodeURIComponent(id)}`;
    const doFetch = this.options.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(url, {
        ...this.options.fetchOptions,
        method: "POST",
        headers: { "content-type": "application/json", ...headersOf(this.options.fetchOptions) },
        body: JSON.stringify({ min_confidence: input.spec.minConfidence, optimization_types: types }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new ExternalRecommenderError(`optimizer unreachable at POST ${url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok)
      throw new ExternalRecommenderError(
        `optimizer answered ${res.status} ${res.statusText} for POST ${url}: ${text.slice(0, 200)}`,
        res.status,
      );
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      throw new ExternalRecommenderError(
        `optimizer answered malformed JSON for POST ${url}: ${(err as Error).message}`,
      );
    }
    return parseAnswer(body);
  }
}

function defaultId(w: WorkloadRef): string {
  return `${w.namespace}.${w.name}`;
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  return init?.headers ? Object.fromEntries(new Headers(init.headers).entries()) : {};
}

function fail(path: string, what: string): never {
  throw new ExternalRecommenderError(`optimizer answer: ${path} ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(
  v: unknown,
  path: string,
  min = Number.NEGATIVE_INFINITY,
  max = Number.POSITIVE_INFINITY,
): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max)
    fail(
      path,
      `must be a number${min > Number.NEGATIVE_INFINITY ? ` from ${min}` : ""}${max < Number.POSITIVE_INFINITY ? ` to ${max}` : ""}`,
    );
  return v;
}

function quantity(v: unknown, path: string, parse: (q: string | number) => number): number | undefined {
  if (v === undefined || v === null) return undefined;
  try {
    return parse(v as string | number);
  } catch (err) {
    fail(path, `is not a quantity: ${(err as Error).message}`);
  }
}

/** Checks the answer's shape field by field, so a bad optimizer fails with the field named. */
export function parseAnswer(body: unknown): ExternalRecommendation[] {
  if (!isObject(body) || !Array.isArray(body.recommendations)) fail("recommendations", "must be an array");
  return body.recommendations.map((r: unknown, i: number): ExternalRecommendation => {
    const at = `recommendations[${i}]`;
    if (!isObject(r)) fail(at, "must be an object");
    if (typeof r.optimization_type !== "string") fail(`${at}.optimization_type`, "must be a string");
    const risk = r.risk_assessment;
    if (!isObject(risk)) fail(`${at}.risk_assessment`, "must be an object");
    const level = String(risk.level).toUpperCase();
    if (!RISK_LEVELS.includes(level as RiskLevel))
      fail(`${at}.risk_assessment.level`, `must be one of ${RISK_LEVELS.join(", ")}`);
    const config = r.recommended_config ?? {};
    if (!isObject(config)) fail(`${at}.recommended_config`, "must be an object");
    const replicas =
      config.replicas === undefined
        ? undefined
        : num(config.replicas, `${at}.recommended_config.replicas`, 0);
    return {
      type: r.optimization_type,
      monthlySavings: num(r.monthly_savings, `${at}.monthly_savings`),
      confidence: num(r.confidence_score, `${at}.confidence_score`, 0, 1),
      risk: { level: level as RiskLevel, score: num(risk.score, `${at}.risk_assessment.score`, 0, 1) },
      cpuRequest: quantity(config.cpu_request, `${at}.recommended_config.cpu_request`, parseCpu),
      memoryRequest: quantity(config.memory_request, `${at}.recommended_config.memory_request`, parseMemory),
      replicas,
    };
  });
}

/** The optimizer sizes one container per workload (the original operator's model): the first one. */
function applyAnswer(base: Proposal, chosen: ExternalRecommendation[]): Proposal {
  const [main, ...others] = base.containers;
  if (!main) return base;
  const proposed = { ...main.proposed };
  for (const r of chosen) {
    if (r.cpuRequest !== undefined) proposed.cpuRequest = r.cpuRequest;
    if (r.memoryRequest !== undefined) proposed.memoryRequest = r.memoryRequest;
  }
  // A limit below the request is invalid; raise it rather than send an unappliable change.
  if (proposed.cpuLimit !== undefined && proposed.cpuRequest !== undefined)
    proposed.cpuLimit = Math.max(proposed.cpuLimit, proposed.cpuRequest);
  if (proposed.memoryLimit !== undefined && proposed.memoryRequest !== undefined)
    proposed.memoryLimit = Math.max(proposed.memoryLimit, proposed.memoryRequest);
  const replicas = chosen.find((r) => r.replicas !== undefined)?.replicas;
  const notes = others.length
    ? [`the optimizer sizes only the first container; ${others.map((c) => c.name).join(", ")} unchanged`]
    : [];
  return {
    ...base,
    containers: [{ ...main, proposed, notes: [...main.notes, "sized by the external optimizer"] }, ...others],
    replicas:
      base.replicas && replicas !== undefined ? { ...base.replicas, proposed: replicas } : base.replicas,
    appliedTypes: chosen.flatMap((r) => typeOf(r.type) ?? []),
    notes: [...base.notes, ...notes],
  };
}

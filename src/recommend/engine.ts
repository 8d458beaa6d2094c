// The built-in recommender: one pure pass from the workload, its usage and the policy to a
// Recommendation. The pass is split so another recommender (the external client) can supply
// its own proposal and scores and still be priced and gated the same way.

import { NO_CONFIDENCE, scoreConfidence, stationarityFactors, uncoveredPeaks } from "./confidence.js";
import { type Costs, compareCosts, type ResolvedPricing, resolvePricing } from "./cost.js";
import { baseProposal, notEnoughDataReason, workloadEvidence } from "./evidence.js";
import { decide, stepToLimit } from "./gates.js";
import { horizonDays } from "./horizon.js";
import { dailyPeaks, describePeak, type PeriodicPeak } from "./peaks.js";
import type { Recommender, RecommendInput } from "./recommender.js";
import { costInputs } from "./replica-hours.js";
import { assessRisk } from "./risk.js";
import { type EngineSettings, resolveSettings } from "./settings.js";
import { withTrends } from "./stationarity.js";
import { runStrategy } from "./strategies/index.js";
import type { Proposal, StrategyContext } from "./strategies/types.js";
import type { Confidence, Recommendation, Risk } from "./types.js";

export const BUILTIN = "builtin";

/** Unknown risk is treated as the worst, so nothing without data can look safe. */
const UNKNOWN_RISK: Risk = {
  level: "CRITICAL",
  score: 1,
  factors: [{ name: "data", score: 1, detail: "not enough data to judge the risk" }],
};

/** What a recommendation without data is scored: no confidence, unknown (worst) risk. */
export const NO_DATA_SCORES = { confidence: NO_CONFIDENCE, risk: UNKNOWN_RISK } as const;

export interface Prepared {
  settings: EngineSettings;
  pricing: ResolvedPricing;
  base: Proposal;
  /** Set when there is nothing to work with. */
  notEnoughData?: string;
}

export function prepare(input: RecommendInput): Prepared {
  const settings = resolveSettings(input.settings);
  const pricing = resolvePricing(input.pricing, input.workload);
  const mapping = input.spec.source?.containerMapping;
  let base = baseProposal(input.workload, input.usage, settings.data, mapping);
  const notEnoughData = notEnoughDataReason(input.usage, base);
  if (input.usage && !notEnoughData)
    base = withTrends(base, input.usage, horizonDays(input.spec, input.now), settings.trend, mapping);
  return { settings, pricing, base, notEnoughData };
}

export interface Scores {
  confidence: Confidence;
  risk: Risk;
  /** Replaces the cost model's figures (an external recommender states its own saving). */
  costs?: (modelled: Costs) => Costs;
}

/** Steps, prices, scores and gates a drafted proposal. */
export function conclude(
  input: RecommendInput,
  prepared: Prepared,
  drafted: Proposal,
  score: (p: Proposal) => Scores,
  recommender: string,
): Recommendation {
  const { settings, pricing } = prepared;
  const { proposal, steps } = prepared.notEnoughData
    ? { proposal: prepared.base, steps: [] }
    : stepToLimit(drafted, input.spec.maxChangePercent, settings.gates);
  const modelled = compareCosts(
    costInputs(input.workload, input.usage, proposal, settings.spot.label),
    pricing,
  );
  const scores: Scores = prepared.notEnoughData ? NO_DATA_SCORES : score(proposal);
  const costs = scores.costs ? scores.costs(modelled) : modelled;
  const decision = decide({
    spec: input.spec,
    workload: input.workload,
    proposal,
    confidence: scores.confidence,
    risk: scores.risk,
    notEnoughData: prepared.notEnoughData,
    steps,
    settings: settings.gates,
    monthlySavings: costs.monthlySavings,
  });
  return {
    policy: { ...input.policy },
    target: { ...input.workload.ref },
    optimizationType: input.spec.optimizationType,
    appliedTypes: proposal.appliedTypes,
    containers: proposal.containers,
    replicas: proposal.replicas,
    placement: proposal.placement,
    scheduledScaling: proposal.scheduledScaling,
    evidence: workloadEvidence(input.usage, proposal, input.source, input.now),
    ...costs,
    confidence: scores.confidence,
    risk: scores.risk,
    decision,
    notes: proposal.notes,
    notEnoughData: prepared.notEnoughData !== undefined,
    generatedAt: input.now.toISOString(),
    recommender,
  };
}

/** The built-in engine, synchronously: pure and deterministic for a given input. */
export function recommend(input: RecommendInput): Recommendation {
  const prepared = prepare(input);
  const { usage, workload, spec } = input;
  if (prepared.notEnoughData || !usage)
    return conclude(input, prepared, prepared.base, () => NO_DATA_SCORES, BUILTIN);
  const peaks = dailyPeaks(usage.profile, prepared.settings.peaks);
  const horizon = horizonDays(spec, input.now);
  const ctx: StrategyContext = {
    workload,
    usage,
    spec,
    horizonDays: horizon,
    peaks,
    prices: prepared.pricing.prices,
  };
  const drafted = withPeakNotes(
    runStrategy(spec.optimizationType, ctx, prepared.base, prepared.settings),
    peaks,
  );
  const evidence = prepared.base.containers.flatMap((c) => (c.evidence ? [c.evidence] : []));
  const history = workloadEvidence(usage, prepared.base, input.source, input.now).historySeconds;
  return conclude(
    input,
    prepared,
    drafted,
    (p) => ({
      confidence: scoreConfidence(
        usage,
        evidence,
        history,
        prepared.settings.confidence,
        stationarityFactors(p, peaks, prepared.settings.confidence),
      ),
      risk: assessRisk(workload, p, prepared.settings.risk, uncoveredPeaks(p, peaks), horizon),
    }),
    BUILTIN,
  );
}

/** Names each daily peak in the notes, so a reviewer sees the hour the workload is busiest. */
function withPeakNotes(p: Proposal, peaks: PeriodicPeak[]): Proposal {
  if (peaks.length === 0) return p;
  const notes = peaks.map(
    (k) =>
      `${describePeak(k)}: ${Math.round(k.totalCpu)}m in total, ${Math.round(k.perPodCpu)}m per pod at today's count`,
  );
  return { ...p, notes: [...p.notes, ...notes] };
}

export class BuiltinRecommender implements Recommender {
  readonly name = BUILTIN;
  async recommend(input: RecommendInput): Promise<Recommendation> {
    return recommend(input);
  }
}

// The recommender's public surface: the contract, the built-in engine, the cost model and every
// default setting. The external optimizer's client is an adapter (src/adapters/external-recommender.ts).

export {
  compareCosts,
  HOURS_PER_MONTH,
  monthlyCost,
  OPENCOST_DEFAULT_PRICES,
  resolvePricing,
} from "./cost.js";
export { BUILTIN, BuiltinRecommender, recommend } from "./engine.js";
export { blockers, hasChange } from "./gates.js";
export { DEFAULT_ENGINE_SETTINGS, type EngineSettings, resolveSettings } from "./settings.js";
export { SPOT_PRESETS } from "./strategies/spot.js";
export type * from "./types.js";

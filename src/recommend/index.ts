// The recommender's public surface: the contract, the built-in engine, the external client,
// the cost model and every default setting.

export {
  compareCosts,
  HOURS_PER_MONTH,
  monthlyCost,
  OPENCOST_DEFAULT_PRICES,
  resolvePricing,
} from "./cost.js";
export { BUILTIN, BuiltinRecommender, recommend } from "./engine.js";
export {
  ExternalRecommender,
  ExternalRecommenderError,
  type ExternalRecommenderOptions,
} from "./external.js";
export { blockers, hasChange } from "./gates.js";
export { measuredMemory, memorySetting } from "./readable.js";
export { DEFAULT_ENGINE_SETTINGS, type EngineSettings, resolveSettings } from "./settings.js";
export { SPOT_PRESETS } from "./strategies/spot.js";
export type * from "./types.js";

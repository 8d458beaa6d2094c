// All of the engine's tunables in one object. Each part's defaults are documented next to the
// code that uses them; overrides replace individual fields.

import { type ConfidenceSettings, DEFAULT_CONFIDENCE_SETTINGS } from "./confidence.js";
import { type DataSettings, DEFAULT_DATA_SETTINGS } from "./evidence.js";
import { DEFAULT_GATE_SETTINGS, type GateSettings } from "./gates.js";
import { DEFAULT_PEAK_SETTINGS, type PeakSettings } from "./peaks.js";
import { DEFAULT_RISK_SETTINGS, type RiskSettings } from "./risk.js";
import { DEFAULT_STRATEGY_SETTINGS, type StrategySettings } from "./strategies/settings.js";
import { DEFAULT_TREND_SETTINGS, type TrendSettings } from "./trend.js";

export interface EngineSettings extends StrategySettings {
  data: DataSettings;
  confidence: ConfidenceSettings;
  risk: RiskSettings;
  gates: GateSettings;
  trend: TrendSettings;
  peaks: PeakSettings;
}

export type EngineSettingsOverrides = { [K in keyof EngineSettings]?: Partial<EngineSettings[K]> };

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  ...DEFAULT_STRATEGY_SETTINGS,
  data: DEFAULT_DATA_SETTINGS,
  confidence: DEFAULT_CONFIDENCE_SETTINGS,
  risk: DEFAULT_RISK_SETTINGS,
  gates: DEFAULT_GATE_SETTINGS,
  trend: DEFAULT_TREND_SETTINGS,
  peaks: DEFAULT_PEAK_SETTINGS,
};

export function resolveSettings(overrides: EngineSettingsOverrides = {}): EngineSettings {
  const merged = { ...DEFAULT_ENGINE_SETTINGS } as Record<keyof EngineSettings, object>;
  for (const key of Object.keys(DEFAULT_ENGINE_SETTINGS) as (keyof EngineSettings)[])
    merged[key] = { ...DEFAULT_ENGINE_SETTINGS[key], ...overrides[key] };
  return merged as EngineSettings;
}

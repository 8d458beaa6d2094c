// Every strategy's settings in one object, with overrides merged over the documented defaults.

import { type CpuSettings, DEFAULT_CPU_SETTINGS } from "./cpu.js";
import { DEFAULT_MEMORY_SETTINGS, type MemorySettings } from "./memory.js";
import { DEFAULT_REPLICA_SETTINGS, type ReplicaSettings } from "./replicas.js";
import { DEFAULT_SCHEDULED_SCALING_SETTINGS, type ScheduledScalingSettings } from "./scheduled-scaling.js";
import { DEFAULT_SPOT_SETTINGS, type SpotSettings } from "./spot.js";

export interface StrategySettings {
  cpu: CpuSettings;
  memory: MemorySettings;
  replicas: ReplicaSettings;
  spot: SpotSettings;
  scheduledScaling: ScheduledScalingSettings;
}

export const DEFAULT_STRATEGY_SETTINGS: StrategySettings = {
  cpu: DEFAULT_CPU_SETTINGS,
  memory: DEFAULT_MEMORY_SETTINGS,
  replicas: DEFAULT_REPLICA_SETTINGS,
  spot: DEFAULT_SPOT_SETTINGS,
  scheduledScaling: DEFAULT_SCHEDULED_SCALING_SETTINGS,
};

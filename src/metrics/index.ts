// The metrics module's public surface: usage sources, the generator and its presets.

export { type FileSourceOptions, FileUsageSource } from "./file-source.js";
export {
  type ContainerSpec,
  type GenerateOptions,
  type GenerateStats,
  type LoadShape,
  type WorkloadSpec,
  writeOpenMetrics,
  writeOpenMetricsFile,
} from "./generator.js";
export { openUsageSource } from "./open.js";
export { OpenMetricsError } from "./openmetrics.js";
export { DEFAULT_START, demoOptions, demoWorkloads, fleetWorkloads, WEEK } from "./presets.js";
export { type PrometheusConnection, PrometheusError } from "./prometheus-client.js";
export { type PrometheusSourceOptions, PrometheusUsageSource } from "./prometheus-source.js";
export { RELATIVE_ACCURACY } from "./sketch.js";
export * from "./types.js";

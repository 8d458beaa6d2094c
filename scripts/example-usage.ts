// The bundled example's usage: two weeks (the full-optimization example looks back 14 days) at
// 5-minute resolution for the workloads of manifests/examples/test-workloads.yaml, as the
// OpenMetrics file `--metrics` reads. `npm run --silent example-usage -- FILE` writes it and prints
// the instant to evaluate it at (`--now`); `npm run demo` uses the same file.

import { writeOpenMetricsFile } from "../src/metrics/generator.js";
import { demoOptions } from "../src/metrics/presets.js";

export const EXAMPLE_USAGE = { ...demoOptions(), durationSeconds: 14 * 86_400 };
/** The end of the file: evaluate the example as of this instant. */
export const EXAMPLE_NOW = new Date((EXAMPLE_USAGE.start + EXAMPLE_USAGE.durationSeconds) * 1000);

export function writeExampleUsage(path: string) {
  return writeOpenMetricsFile(path, EXAMPLE_USAGE);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2];
  if (!path) {
    process.stderr.write("usage: npm run example-usage -- FILE\n");
    process.exit(2);
  }
  const stats = await writeExampleUsage(path);
  process.stderr.write(
    `wrote ${stats.samples} samples in ${stats.series} series to ${path}; evaluate with --now ${EXAMPLE_NOW.toISOString()}\n`,
  );
}

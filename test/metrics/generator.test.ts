import { createHash } from "node:crypto";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { type GenerateOptions, writeOpenMetrics } from "../../src/metrics/generator.js";
import { DEFAULT_START, demoWorkloads } from "../../src/metrics/presets.js";

async function render(
  options: GenerateOptions,
): Promise<{ text: string; stats: Awaited<ReturnType<typeof writeOpenMetrics>> }> {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const stats = await writeOpenMetrics(options, out);
  return { text: chunks.join(""), stats };
}

const options = (seed: number): GenerateOptions => ({
  workloads: demoWorkloads(),
  start: DEFAULT_START,
  durationSeconds: 6 * 3600,
  resolutionSeconds: 300,
  seed,
});

describe("writeOpenMetrics", () => {
  it("writes the same bytes for the same seed and different bytes for another", async () => {
    const hash = async (seed: number) =>
      createHash("sha256")
        .update((await render(options(seed))).text)
        .digest("hex");
    expect(await hash(1)).toBe(await hash(1));
    expect(await hash(1)).not.toBe(await hash(2));
  });

  it("writes seconds, one family at a time, each series in time order, # EOF last", async () => {
    const { text, stats } = await render(options(1));
    expect(text.endsWith("\n# EOF\n")).toBe(true);
    const lines = text.trimEnd().split("\n");
    const families = lines.filter((l) => l.startsWith("# TYPE ")).map((l) => l.split(" ")[2]);
    expect(new Set(families).size).toBe(families.length);
    const last = new Map<string, number>();
    let samples = 0;
    for (const line of lines) {
      if (line.startsWith("#")) continue;
      samples++;
      // Generated label values have no spaces.
      const [series, , ts] = line.split(" ");
      const t = Number(ts);
      expect(t).toBeGreaterThanOrEqual(DEFAULT_START);
      expect(t).toBeLessThan(2e9);
      expect(t).toBeGreaterThan(last.get(series as string) ?? 0);
      last.set(series as string, t);
    }
    expect(samples).toBe(stats.samples);
    // 29 pods x (CPU, memory, restarts) + 29 pod owners + 4 ReplicaSets, plus restart reasons.
    expect(stats.series).toBeGreaterThanOrEqual(29 * 4 + 4);
  });
});

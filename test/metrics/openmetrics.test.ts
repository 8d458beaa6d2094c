import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FileUsageSource } from "../../src/metrics/file-source.js";
import { omFile, T0, tempDir } from "./om.js";

const ok = `container_memory_working_set_bytes{namespace="a",pod="p-0",container="c"} 1 ${T0}`;
const workloads = [{ namespace: "a", kind: "StatefulSet" as const, name: "p" }];
const window = { start: T0, end: T0 + 3600 };

async function errorFor(text: string): Promise<string> {
  const path = join(await tempDir(), "bad.om");
  await writeFile(path, text);
  const err = await new FileUsageSource({ path, resolutionSeconds: 60 })
    .usage(workloads, window)
    .catch((e) => e);
  expect(err).toBeInstanceOf(Error);
  return (err as Error).message;
}

describe("malformed OpenMetrics names the file and line", () => {
  it.each([
    [
      "a value that is not a number",
      `${ok}\n${ok.replace(" 1 ", " one ")}\n# EOF\n`,
      /bad\.om:2: invalid value "one"/,
    ],
    ["a sample without a timestamp", `${ok}\nup{job="x"} 1\n# EOF\n`, /bad\.om:2: sample has no timestamp/],
    [
      "millisecond timestamps",
      `up{job="x"} 1 ${T0 * 1000}\n# EOF\n`,
      /bad\.om:1: timestamp \d+ looks like milliseconds/,
    ],
    ["an unclosed label set", `${ok}\nup{job="x" 1 ${T0}\n# EOF\n`, /bad\.om:2: label set is not closed/],
    [
      "a bad label",
      `container_cpu_usage_seconds_total{namespace="a",pod} 1 ${T0}\n# EOF\n`,
      /bad\.om:1: malformed label set/,
    ],
    ["an invalid metric name", `9lives 1 ${T0}\n# EOF\n`, /bad\.om:1: invalid metric name "9lives"/],
    [
      "a missing # EOF",
      `${ok}\n${ok.replace(`${T0}`, `${T0 + 60}`)}\n`,
      /bad\.om:2: the file does not end with # EOF/,
    ],
    ["text after # EOF", `${ok}\n# EOF\n${ok}\n`, /bad\.om:3: text after # EOF/],
    ["an empty line", `${ok}\n\n# EOF\n`, /bad\.om:2: empty line/],
  ])("%s", async (_what, text, pattern) => {
    expect(await errorFor(text)).toMatch(pattern);
  });

  it("a missing file is named", async () => {
    const path = join(await tempDir(), "missing.om");
    await expect(
      new FileUsageSource({ path, resolutionSeconds: 60 }).usage(workloads, window),
    ).rejects.toThrow(/cannot read OpenMetrics file .*missing\.om/);
  });

  it("accepts comments, +Inf/NaN values and quoted label values with escapes", async () => {
    const path = await omFile([
      "# HELP container_memory_working_set_bytes working set",
      "# TYPE container_memory_working_set_bytes gauge",
      `container_memory_working_set_bytes{namespace="a",pod="p-0",container="c",note="say \\"hi\\", ok"} 5 ${T0}`,
      `container_memory_working_set_bytes{namespace="a",pod="p-0",container="c",note="say \\"hi\\", ok"} +Inf ${T0 + 60}`,
    ]);
    const usage = await new FileUsageSource({ path, resolutionSeconds: 60 }).usage(workloads, window);
    expect(usage.get("a/StatefulSet/p")?.containers[0]?.memory.max).toBe(5);
  });
});

// `costopt recommend --pricing FILE`: the file is checked against its JSON Schema, and every
// problem names the file and the field; a valid file changes the prices.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readPricing } from "../../src/cli/recommend.js";
import { costopt } from "./cli-output.js";
import { DEPLOYMENT, NOW, POLICY, writeWebMetrics } from "./run-fixtures.js";

async function recommendWith(pricing: string) {
  const work = mkdtempSync(join(tmpdir(), "costopt-pricing-"));
  writeFileSync(join(work, "web.yaml"), DEPLOYMENT);
  writeFileSync(join(work, "policy.yaml"), POLICY);
  writeFileSync(join(work, "prices.yaml"), pricing);
  const metrics = await writeWebMetrics(join(work, "m.om"), ["web"], 300);
  const file = join(work, "prices.yaml");
  const out = await costopt(
    "recommend",
    ...["--policies", join(work, "policy.yaml"), "--repo", work, "--metrics", metrics, "--now", NOW],
    ...["--pricing", file, "--format", "json"],
  );
  return { ...out, file };
}

describe("--pricing", () => {
  it("refuses a price that is not a number, a negative price and a misspelt key, naming file and field", async () => {
    const { code, stderr, stdout, file } = await recommendWith(
      'default:\n  cpuCoreHour: "abc"\n  ramGibHour: 0.01\nclusters:\n  prod:\n    spotCpuCoreHour: -0.5\nnodepools: {}\n',
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      [
        `costopt: --pricing ${file} is invalid (keys: default, clusters, nodePools, hoursPerMonth; prices: cpuCoreHour, ramGiBHour, spotCpuCoreHour, spotRamGiBHour):`,
        `  ${file}: nodepools: unknown setting`,
        `  ${file}: default.ramGibHour: unknown setting`,
        `  ${file}: default.cpuCoreHour: must be number`,
        `  ${file}: clusters.prod.spotCpuCoreHour: must be >= 0`,
        "",
      ].join("\n"),
    );
  });

  it("prices the workload with a valid file", async () => {
    const cheap = await recommendWith("default:\n  cpuCoreHour: 0.001\n  ramGiBHour: 0.0001\n");
    expect(cheap.code, cheap.stderr).toBe(0);
    const expensive = await recommendWith("default:\n  cpuCoreHour: 1\n  ramGiBHour: 0.1\n");
    const cost = (json: string) => Number(/"currentCost": ([\d.]+)/.exec(json)?.[1]);
    expect(cost(expensive.stdout)).toBeGreaterThan(cost(cheap.stdout) * 100);
  });
});

describe("the README's --pricing example", () => {
  it("is a valid pricing file", async () => {
    const readme = readFileSync("README.md", "utf8");
    const section = readme.slice(readme.indexOf("### Prices (`--pricing`)"));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
    const path = join(mkdtempSync(join(tmpdir(), "costopt-pricing-")), "prices.yaml");
    writeFileSync(path, example);
    expect(readPricing(path)?.clusters?.prod?.spotCpuCoreHour).toBe(0.01);
  });
});

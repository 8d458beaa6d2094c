import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseCpu } from "../../src/api/quantity.js";
import { main } from "../../src/cli/main.js";
import { stderrProgress } from "../../src/cli/recommend.js";
import type { ErrorEntry, RecommendationEntry } from "../../src/cli/recommend-output.js";
import { writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { mainCaptured } from "../support/in-process-cli.js";
import { deploymentYaml, type ManifestContainer } from "../support/workloads.js";

const Mi = 2 ** 20;
const START = Date.UTC(2026, 0, 5) / 1000;
const WEEK = 7 * 86400;
const NOW = new Date((START + WEEK) * 1000).toISOString();

const deployment = (name: string, replicas: number, containers: ManifestContainer[]) =>
  deploymentYaml({
    name,
    replicas,
    labels: true,
    flow: ["matchLabels", "podLabels", "requests"],
    containers,
  });

const container = (name: string, cpu: string, memory: string): ManifestContainer => ({
  name,
  image: `example/${name}:1`,
  requests: { cpu: `"${cpu}"`, memory },
  limits: { memory },
});

const policy = (name: string, target: string, type: string) => `apiVersion: costopt.dev/v1
kind: CostOptimization
metadata:
  name: ${name}
  namespace: shop
spec:
  targetWorkload: { kind: Deployment, name: ${target} }
  optimizationType: ${type}
  minConfidence: 0.5
  maxRiskLevel: CRITICAL
  maxChangePercent: 90
  metricsWindow: 7d
`;

let dir: string;
let args: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "costopt-recommend-"));
  mkdirSync(join(dir, "repo/apps"), { recursive: true });
  writeFileSync(join(dir, "repo/apps/web.yaml"), deployment("web", 3, [container("app", "2", "2Gi")]));
  writeFileSync(
    join(dir, "repo/apps/api.yaml"),
    deployment("api", 4, [container("api", "1", "1Gi"), container("proxy", "500m", "512Mi")]),
  );
  mkdirSync(join(dir, "policies"));
  writeFileSync(
    join(dir, "policies/all.yaml"),
    [policy("web-cpu", "web", "CPU"), policy("api-all", "api", "ALL"), policy("gone", "missing", "CPU")].join(
      "---\n",
    ),
  );
  await writeOpenMetricsFile(join(dir, "usage.om"), {
    workloads: [
      {
        namespace: "shop",
        kind: "Deployment",
        name: "web",
        replicas: 3,
        shape: "steady",
        containers: [{ name: "app", cpuMillicores: 300, memoryBytes: 600 * Mi }],
      },
      {
        namespace: "shop",
        kind: "Deployment",
        name: "api",
        replicas: 4,
        shape: "diurnal",
        containers: [
          { name: "api", cpuMillicores: 200, memoryBytes: 300 * Mi },
          { name: "proxy", cpuMillicores: 20, memoryBytes: 60 * Mi },
        ],
      },
    ],
    start: START,
    durationSeconds: WEEK,
    resolutionSeconds: 300,
    seed: 11,
  });
  args = [
    "--policies",
    join(dir, "policies"),
    "--repo",
    join(dir, "repo"),
    "--metrics",
    join(dir, "usage.om"),
    "--now",
    NOW,
  ];
});

afterEach(() => vi.restoreAllMocks());

async function run(...extra: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    err += `${a.join(" ")}\n`;
  });
  const code = await main(["node", "costopt", "recommend", ...args, ...extra]);
  return { code, out, err };
}

describe("costopt recommend", () => {
  it("prints the documented JSON contract, one entry per policy", async () => {
    const { code, out, err } = await run("--format", "json");
    const doc = JSON.parse(out) as {
      apiVersion: string;
      kind: string;
      items: (RecommendationEntry | ErrorEntry)[];
    };
    expect(doc.apiVersion).toBe("costopt.dev/v1");
    expect(doc.kind).toBe("RecommendationReport");
    const entries = doc.items;
    expect(entries.map((e) => e.policy)).toEqual(["shop/web-cpu", "shop/api-all", "shop/gone"]);

    const web = entries[0] as RecommendationEntry;
    expect(web.target).toEqual({ namespace: "shop", kind: "Deployment", name: "web" });
    // Where the workload was found and where its values would be written.
    expect(web.location).toEqual({
      format: "manifest",
      definedIn: ["apps/web.yaml"],
      sites: [{ file: "apps/web.yaml", layer: "apps/web.yaml", created: false }],
    });
    expect(web.optimizationType).toBe("CPU");
    const app = web.containers[0];
    expect(app?.current).toEqual({
      cpuRequest: "2",
      cpuLimit: null,
      memoryRequest: "2Gi",
      memoryLimit: "2Gi",
    });
    // the request covers the p90 of what the file says the container used, and is far below 2 cores
    const p90 = app?.evidence?.cpu.p90 ?? Number.NaN;
    const proposed = parseCpu(app?.proposed.cpuRequest ?? "0");
    expect(proposed).toBeGreaterThanOrEqual(p90);
    // fine rounding: at most 5m above (25m above 1 core)
    expect(proposed).toBeLessThanOrEqual(p90 + 25);
    expect(app?.proposed.memoryRequest).toBe("2Gi");
    expect(web.replicas).toEqual({ current: 3, proposed: 3, field: "spec.replicas" });
    expect(web.monthlySavings).toBeCloseTo(web.currentCost - web.optimizedCost, 2);
    expect(web.confidenceScore).toBeGreaterThan(0.9);
    expect(web.decision.allowed).toBe(true);
    // Every gate's verdict with a passed flag; reasons stay for older consumers.
    expect(web.decision.checks.length).toBeGreaterThan(0);
    expect(web.decision.checks.every((c) => c.passed && c.gate !== "" && c.detail !== "")).toBe(true);
    expect(web.decision.steps).toEqual([]);
    expect(web.decision.reasons).toEqual(web.decision.checks.map((c) => c.detail));
    expect(Object.keys(web)).toEqual(
      expect.arrayContaining(["riskLevel", "riskScore", "riskFactors", "currentCost", "optimizedCost"]),
    );

    const api = entries[1] as RecommendationEntry;
    expect(api.containers.map((c) => c.name)).toEqual(["api", "proxy"]);
    expect(api.appliedTypes).toContain("MEMORY");
    expect(api.containers[1]?.proposed.memoryLimit).not.toBe("512Mi");

    expect(entries[2]).toMatchObject({ policy: "shop/gone", target: { name: "missing" } });
    expect((entries[2] as ErrorEntry).error).toMatch(/missing/);
    expect(code).toBe(1);
    expect(err).toMatch(/shop\/gone: /);
  });

  it("gives the same entries as YAML", async () => {
    const json = JSON.parse((await run("--format", "json")).out) as unknown;
    expect(parseYaml((await run("--format", "yaml")).out)).toEqual(json);
  });

  it("prints a table readable at a glance, with the total saving", async () => {
    const { out } = await run();
    expect(out).toMatch(/Policy.*Workload.*CPU request.*Saving\/mo/);
    expect(out).toMatch(/shop\/web-cpu.*shop\/web .*manifest:.*CPU.*app.*2 -> \d+m/);
    expect(out).toMatch(/proxy/);
    expect(out).toMatch(/error: /);
    expect(out).toMatch(/3 policies: \d allowed, 1 failed; allowed changes save \$[\d,.]+\/mo/);
  });

  it("prints CSV with a workload row and one row per container, so summing a cost column counts each workload once", async () => {
    const { out } = await run("--format", "csv");
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(
      /^row,policy,namespace,kind,name,optimizationType,container,cpuRequest,proposedCpuRequest/,
    );
    expect(lines[0]).toMatch(/,replicas,proposedReplicas,spot,scheduledScaling,currentCost,/);
    // web: workload + 1 container, api: workload + 2 containers, gone: 1 error row
    expect(lines.map((l) => l.split(",")[0])).toEqual([
      "row",
      "workload",
      "container",
      "workload",
      "container",
      "container",
      "error",
    ]);
    expect(lines[2]).toMatch(/^container,shop\/web-cpu,shop,Deployment,web,CPU,app,2,\d+m,/);
    expect(lines[0]).toMatch(/,location,reasons$/);
    expect(lines[1]).toContain(
      ',"manifest, defined in apps/web.yaml; written to apps/web.yaml: apps/web.yaml",',
    );
    expect(lines[6]).toMatch(/^error,shop\/gone,shop,Deployment,missing,.*error: /);

    // A spreadsheet's SUM over monthlySavings equals the report's savings (api's two containers once).
    const header = (lines[0] ?? "").split(",");
    const column = header.indexOf("monthlySavings");
    const summed = lines
      .slice(1)
      .map((l) => Number(l.split(",")[column] || 0))
      .reduce((a, b) => a + b, 0);
    const json = JSON.parse((await run("--format", "json")).out) as { items: RecommendationEntry[] };
    const expected = json.items.reduce((a, e) => a + (e.monthlySavings ?? 0), 0);
    expect(expected).toBeGreaterThan(0);
    expect(summed).toBeCloseTo(expected, 6);
    const spot = header.indexOf("spot");
    expect(lines.filter((l) => l.startsWith("workload,")).map((l) => l.split(",")[spot])).toEqual([
      "false",
      "false",
    ]);
  });

  it("lists invalid policies with their errors in JSON and CSV, and reads every -f given", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      policy("broken", "web", "CPU").replace("maxChangePercent: 90", "maxChangePercent: 120"),
    );
    const { code, out } = await run("--format", "json", "-f", bad);
    const doc = JSON.parse(out) as {
      items: RecommendationEntry[];
      invalidPolicies: { policy: string; file: string; line: number; errors: string[] }[];
    };
    // the folder from --policies and the file from -f: both read
    expect(doc.items.map((e) => e.policy)).toEqual(["shop/web-cpu", "shop/api-all", "shop/gone"]);
    expect(doc.invalidPolicies).toEqual([
      {
        policy: "shop/broken",
        file: bad,
        line: 1,
        errors: [`${bad}:11: spec.maxChangePercent: Invalid value: 120: must be between 1 and 100`],
      },
    ]);
    expect(code).toBe(1);
    const csv = (await run("--format", "csv", "-f", bad)).out.trim().split("\n");
    expect(csv.at(-1)).toMatch(/^invalid,shop\/broken,.*maxChangePercent: Invalid value: 120/);
  });

  it("prints Markdown", async () => {
    const { out } = await run("--format", "markdown");
    expect(out.split("\n")[0]).toMatch(/^\| Policy \| Workload \| Manifests \|/);
    expect(out.split("\n")[1]).toMatch(/^\| --- \|/);
    expect(out).toMatch(/^\| shop\/web-cpu \| shop\/web \| manifest: apps\/web\.yaml \|/m);
  });

  it("rejects an unknown format, naming the flag and the choices", async () => {
    const { code, err } = await mainCaptured(["recommend", ...args, "-o", "xml"]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /option '-o, --format <format>' argument 'xml' is invalid\. Allowed choices are table, json, yaml, csv, markdown/,
    );
  });

  it("says not enough data when the metrics have nothing for the window", async () => {
    const { out } = await run("--format", "json", "--now", new Date((START + 3 * WEEK) * 1000).toISOString());
    const web = (JSON.parse(out) as { items: RecommendationEntry[] }).items[0];
    expect(web?.notEnoughData).toBe(true);
    expect(web?.confidenceScore).toBe(0);
    expect(web?.decision.allowed).toBe(false);
    expect(web?.decision.checks).toEqual([
      { gate: "data", passed: false, detail: "not enough data: no usage for this workload in the window" },
    ]);
  });

  it("says in the table only what holds a policy back", async () => {
    const { out } = await run(
      "--format",
      "markdown",
      "--now",
      new Date((START + 3 * WEEK) * 1000).toISOString(),
    );
    const web = out.split("\n").find((l) => l.startsWith("| shop/web-cpu "));
    expect(web).toMatch(/\| no: not enough data: no usage for this workload in the window \|$/);
  });
});

describe("progress on stderr", () => {
  const stream = () => {
    const writes: string[] = [];
    return {
      writes,
      s: { isTTY: false, write: (t: string) => writes.push(t) } as unknown as NodeJS.WriteStream,
    };
  };
  it("stays silent while a run is shorter than the delay", () => {
    const { writes, s } = stream();
    const p = stderrProgress(s, 60_000);
    p.step(0, 2, "reading usage");
    p.end();
    expect(writes).toEqual([]);
  });
  it("reports each step once the delay has passed", () => {
    const { writes, s } = stream();
    const p = stderrProgress(s, 0);
    p.step(0, 2, "reading usage");
    p.step(1, 2, "recommending shop/web-cpu");
    expect(writes).toEqual(["[1/2] reading usage\n", "[2/2] recommending shop/web-cpu\n"]);
  });
});

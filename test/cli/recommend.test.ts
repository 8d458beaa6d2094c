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

const Mi = 2 ** 20;
const START = Date.UTC(2026, 0, 5) / 1000;
const WEEK = 7 * 86400;
const NOW = new Date((START + WEEK) * 1000).toISOString();

const deployment = (name: string, replicas: number, containers: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: shop
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
${containers}`;

const container = (name: string, cpu: string, memory: string) => `        - name: ${name}
          image: example/${name}:1
          resources:
            requests: { cpu: "${cpu}", memory: ${memory} }
            limits: { memory: ${memory} }
`;

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
  writeFileSync(join(dir, "repo/apps/web.yaml"), deployment("web", 3, container("app", "2", "2Gi")));
  writeFileSync(
    join(dir, "repo/apps/api.yaml"),
    deployment("api", 4, container("api", "1", "1Gi") + container("proxy", "500m", "512Mi")),
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
    const entries = JSON.parse(out) as (RecommendationEntry | ErrorEntry)[];
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

  it("prints CSV with one row per container", async () => {
    const { out } = await run("--format", "csv");
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(
      /^policy,namespace,kind,name,optimizationType,container,cpuRequest,proposedCpuRequest/,
    );
    // web: 1 container, api: 2, gone: 1 error row
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(/^shop\/web-cpu,shop,Deployment,web,CPU,app,2,\d+m,/);
    expect(lines[0]).toMatch(/,location,reasons$/);
    expect(lines[1]).toContain(
      ',"manifest, defined in apps/web.yaml; written to apps/web.yaml: apps/web.yaml",',
    );
    expect(lines[4]).toMatch(/^shop\/gone,shop,Deployment,missing,.*error: /);
  });

  it("prints Markdown", async () => {
    const { out } = await run("--format", "markdown");
    expect(out.split("\n")[0]).toMatch(/^\| Policy \| Workload \| Manifests \|/);
    expect(out.split("\n")[1]).toMatch(/^\| --- \|/);
    expect(out).toMatch(/^\| shop\/web-cpu \| shop\/web \| manifest: apps\/web\.yaml \|/m);
  });

  it("rejects an unknown format", async () => {
    const { code, err } = await run("--format", "xml");
    expect(code).toBe(2);
    expect(err).toMatch(/--format: xml is not one of table, json, yaml, csv, markdown/);
  });

  it("says not enough data when the metrics have nothing for the window", async () => {
    const { out } = await run("--format", "json", "--now", new Date((START + 3 * WEEK) * 1000).toISOString());
    const web = (JSON.parse(out) as RecommendationEntry[])[0];
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

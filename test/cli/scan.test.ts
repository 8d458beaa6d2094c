// `costopt scan` against the Kubernetes test double, reached through a kubeconfig file as a
// user's cluster is: every workload of the current context (or of each -n), their HPAs and
// PDBs, usage from an OpenMetrics file, every output format, progress on stderr, and
// --write-policies writing dry-run policies that pass validation.

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { parse as parseYaml } from "yaml";
import { checkPolicies, validPolicies } from "../../src/api/load.js";
import { parseCpu } from "../../src/api/quantity.js";
import { main } from "../../src/cli/main.js";
import type { RecommendationEntry } from "../../src/cli/recommend-output.js";
import { readCluster } from "../../src/cli/scan.js";
import { workloadState } from "../../src/gitops/workload.js";
import { indexRepository, locateWorkload } from "../../src/manifests/index.js";
import { FIXED_INSTANT } from "../support/clock.js";
import { FakeKubeApi, kubeFor } from "../support/kube-api.js";
import { startUsagePrometheus } from "../support/usage-prometheus.js";
import { deployment } from "../support/workloads.js";
import { filesUnder, Mi, type ScanCluster, startScanCluster } from "./scan-fixtures.js";

let cluster: ScanCluster;

const statefulSet = (name: string, namespace: string) => ({
  apiVersion: "apps/v1",
  kind: "StatefulSet",
  metadata: { name, namespace },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          { name: "db", image: "postgres:16", resources: { requests: { cpu: "2", memory: "4Gi" } } },
        ],
      },
    },
  },
});

beforeAll(async () => {
  cluster = await startScanCluster({
    context: "prod-eu",
    objects: [
      ["apps", "v1", "deployments", deployment({ name: "web", replicas: 3, cpu: "2", memory: "2Gi" })],
      ["apps", "v1", "deployments", deployment({ name: "api", replicas: 4, cpu: "1", memory: "1Gi" })],
      ["apps", "v1", "statefulsets", statefulSet("db", "payments")],
      [
        "apps",
        "v1",
        "deployments",
        deployment({ name: "idle", namespace: "tools", cpu: "100m", memory: "128Mi" }),
      ],
      [
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        {
          metadata: { name: "api", namespace: "shop" },
          spec: {
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "api" },
            minReplicas: 4,
            maxReplicas: 10,
          },
        },
      ],
      [
        "policy",
        "v1",
        "poddisruptionbudgets",
        {
          metadata: { name: "web", namespace: "shop" },
          spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } },
        },
      ],
    ],
    usage: [
      {
        namespace: "shop",
        kind: "Deployment",
        name: "web",
        replicas: 3,
        shape: "steady",
        containers: [{ name: "server", cpuMillicores: 300, memoryBytes: 600 * Mi }],
      },
      {
        namespace: "shop",
        kind: "Deployment",
        name: "api",
        replicas: 4,
        shape: "diurnal",
        containers: [{ name: "server", cpuMillicores: 200, memoryBytes: 300 * Mi }],
      },
      {
        namespace: "payments",
        kind: "StatefulSet",
        name: "db",
        replicas: 3,
        shape: "steady",
        containers: [{ name: "db", cpuMillicores: 400, memoryBytes: 1024 * Mi }],
      },
    ],
    seed: 5,
  });
});
afterAll(() => cluster.stop());
afterEach(() => vi.restoreAllMocks());

const scan = (...extra: string[]) => cluster.scan(...extra);

describe("costopt scan", () => {
  it("recommends for every workload of every namespace, with its HPA, and without policies", async () => {
    const { api } = cluster;
    api.requests.length = 0;
    const { code, out, err } = await scan("--format", "json");
    const entries = (JSON.parse(out) as { items: RecommendationEntry[] }).items;
    expect(entries.map((e) => `${e.target.kind} ${e.target.namespace}/${e.target.name}`).sort()).toEqual([
      "Deployment shop/api",
      "Deployment shop/web",
      "Deployment tools/idle",
      "StatefulSet payments/db",
    ]);
    const web = entries.find((e) => e.target.name === "web") as RecommendationEntry;
    // 2 cores requested, about 0.3 used: the proposal is lower, cut back to maxChangePercent (50%).
    expect(parseCpu(web.containers[0]?.proposed.cpuRequest ?? "0")).toBe(1000);
    expect(web.monthlySavings).toBeGreaterThan(0);
    // The HPA owns api's replicas: its floor is what a change would touch.
    expect(entries.find((e) => e.target.name === "api")?.replicas?.field).toBe("hpa.minReplicas");
    // No usage for tools/idle: said so, nothing proposed.
    expect(entries.find((e) => e.target.name === "idle")?.notEnoughData).toBe(true);
    expect(code).toBe(0);
    // Read-only, cluster-wide lists, with the kubeconfig's credentials.
    expect(api.requests.every((r) => r.method === "GET" && r.client === "alice")).toBe(true);
    expect(api.requests.map((r) => r.path.split("?")[0])).toContain(
      "/apis/autoscaling/v2/horizontalpodautoscalers",
    );
    expect(err).toContain(`scanning context prod-eu (${api.url})`);
    expect(err).toMatch(/\[1\/\d+\] listing deployments in all namespaces/);
  });

  it("gives the recommender each workload's PodDisruptionBudget, as from manifests", async () => {
    const files = await readCluster(kubeFor(cluster.api.url, "alice"), ["shop"], { step() {}, end() {} });
    const index = indexRepository(files);
    const ref = { namespace: "shop", kind: "Deployment" as const, name: "web" };
    const located = locateWorkload(index, ref);
    if (!located.ok) throw new Error(located.reason);
    expect(workloadState(index, located, ref).pdb).toEqual({ name: "web", minAvailable: 2 });
    // What the API server owns is not part of the "manifest".
    const web = files.find((f) => f.path === "cluster/shop/Deployment/web.yaml")?.content ?? "";
    expect(web).not.toMatch(/resourceVersion|uid:|status:/);
  });

  it("scans only the namespaces given with -n", async () => {
    const { api } = cluster;
    api.requests.length = 0;
    const { out } = await scan("-n", "payments", "-n", "tools", "--format", "json");
    const entries = (JSON.parse(out) as { items: RecommendationEntry[] }).items;
    expect(entries.map((e) => e.target.name).sort()).toEqual(["db", "idle"]);
    const paths = api.requests.map((r) => r.path.split("?")[0] ?? "");
    expect(paths.every((p) => p.includes("/namespaces/payments/") || p.includes("/namespaces/tools/"))).toBe(
      true,
    );
  });

  it("prints every output format", async () => {
    const table = (await scan()).out;
    for (const name of ["shop/web", "shop/api", "payments/db", "tools/idle"]) expect(table).toContain(name);
    // About workloads, not policies: there are none yet, and no manifests were read.
    const head = table.split("\n")[1] ?? "";
    expect(head).toMatch(/^│ Workload +│ Type +│ Container/);
    expect(table).not.toMatch(/Policy|Manifests|cluster\//);
    expect(table).toContain("Within default gates");
    expect(table).toMatch(
      /^4 workloads: 3 worth changing within the default gates; those changes save \$[\d.,]+\/mo$/m,
    );
    expect(parseYaml((await scan("--format", "yaml")).out).items).toHaveLength(4);
    const csv = (await scan("--format", "csv")).out.trim().split("\n");
    expect(csv.length).toBeGreaterThan(4);
    const md = (await scan("--format", "markdown")).out;
    expect(md).toContain("| shop/web");
    expect(md.split("\n")[0]).toMatch(/^\| Workload \| Type \|/);
    // The JSON keeps recommend's shape; there is no manifest location for a live object.
    const json = (JSON.parse((await scan("--format", "json")).out) as { items: RecommendationEntry[] }).items;
    expect(json.every((e) => e.location === null)).toBe(true);
  });

  it("writes a valid dry-run policy for each workload worth changing, and never overwrites another file", async () => {
    const out = join(cluster.dir, "policies");
    const { err } = await scan("--write-policies", out);
    const written = filesUnder(out);
    expect(written).toEqual(["payments/db-statefulset.yaml", "shop/api.yaml", "shop/web.yaml"]);
    const files = written.map((p) => ({ path: join(out, p), content: readFileSync(join(out, p), "utf8") }));
    const { policies, problems } = validPolicies(checkPolicies(files));
    expect(problems).toEqual([]);
    expect(policies.every((p) => p.spec.dryRun === true)).toBe(true);
    expect(policies.find((p) => p.metadata.name === "db-statefulset")?.spec.targetWorkload).toMatchObject({
      kind: "StatefulSet",
      name: "db",
    });
    expect(err).toContain(`wrote ${join(out, "shop/web.yaml")}`);
    // A second run writes the same files; a file someone edited is left alone and reported.
    writeFileSync(join(out, "shop/web.yaml"), "# mine\n");
    const again = await scan("--write-policies", out);
    expect(readFileSync(join(out, "shop/web.yaml"), "utf8")).toBe("# mine\n");
    expect(again.err).toContain(
      `skipped ${join(out, "shop/web.yaml")}: exists with other content, not overwritten`,
    );
    expect(again.err).toContain(`wrote ${join(out, "shop/api.yaml")}`);
  });

  it("fails under --fail-on change when a workload is worth changing within the default gates", async () => {
    // Three of the four are worth changing: the default (error) and none exit 0, change exits 1.
    expect((await scan("-o", "json")).code).toBe(0);
    expect((await scan("-o", "json", "--fail-on", "none")).code).toBe(0);
    expect((await scan("-o", "json", "--fail-on", "change")).code).toBe(1);
    // tools/idle alone has no usage, so nothing is worth changing: change exits 0.
    const idle = await scan("-n", "tools", "-o", "json", "--fail-on", "change");
    expect(JSON.parse(idle.out).items.map((e: RecommendationEntry) => e.notEnoughData)).toEqual([true]);
    expect(idle.code).toBe(0);
    const wrong = await scan("--fail-on", "always");
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain("--fail-on");
  });

  it("says what is missing without usage or with an unknown context", async () => {
    await expect(main(["node", "costopt", "scan", "--kubeconfig", cluster.kubeconfig])).resolves.toBe(2);
    const r = await scan("--context", "nope");
    expect(r.code).toBe(2);
    expect(r.err).toContain('context "nope" is not in the kubeconfig (it has: prod-eu)');
  });
});

describe("costopt scan --prometheus", () => {
  it("reads usage from a real Prometheus", async () => {
    const prometheus = await startUsagePrometheus();
    const live = new FakeKubeApi();
    await live.start();
    try {
      const web = deployment({ name: "web", replicas: 3, cpu: "500m", memory: "512Mi" });
      const container = web.spec.template.spec.containers[0] as { name: string };
      container.name = "app"; // the container WEB_USAGE describes
      live.put("apps", "v1", "deployments", web);
      vi.spyOn(process.stderr, "write").mockImplementation(() => true);
      let out = "";
      vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
        out += String(chunk);
        return true;
      });
      const args = ["--kubeconfig", live.kubeconfig(), "--prometheus", prometheus.url, "--type", "CPU"];
      const now = ["--now", new Date(FIXED_INSTANT).toISOString(), "--format", "json"];
      expect(await main(["node", "costopt", "scan", ...args, ...now])).toBe(0);
      const [entry] = (JSON.parse(out) as { items: RecommendationEntry[] }).items;
      expect(entry?.notEnoughData).toBe(false);
      // About 180m used of 500m requested: lower, within maxChangePercent.
      expect(parseCpu(entry?.containers[0]?.proposed.cpuRequest ?? "0")).toBeLessThan(500);
    } finally {
      await live.stop();
      await prometheus.stop();
    }
  });
});

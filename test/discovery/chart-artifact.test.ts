// The chart Flux fetched, read from the cluster: HelmChart / OCIRepository status.artifact.url
// served over HTTP as a real `tar czf` archive. Its templates decide where resources go; an
// archive that is too large, not a tarball, or unreachable is a refusal naming it, and nothing
// is edited.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FLUX_HELMCHARTS, FLUX_OCIREPOSITORIES, fetchCharts } from "../../src/discovery/chart-artifact.js";
import type { ClusterClient } from "../../src/kube/cluster.js";
import { chartNeeds, indexRepository, locateWorkload, planChanges } from "../../src/manifests/index.js";
import { CORE_RESOURCES, FakeKubeApi, kubeFor } from "../support/kube-api.js";

const release = (chart: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: web
spec:
  interval: 10m
${chart}  values:
    server:
      image:
        tag: v2
`;
const fromRepository = release(`  chart:
    spec:
      chart: web
      sourceRef:
        kind: HelmRepository
        name: charts
        namespace: flux-system
`);
const fromOci = release(`  chartRef:
    kind: OCIRepository
    name: web-chart
`);

const TARGET = { kind: "Deployment" as const, namespace: "web", name: "web" };
const CPU = { containers: [{ name: "server", cpuRequest: 120 }] };

/** A chart archive built by the real tar: its Deployment reads .Values.server.resources. */
function chartArchive(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "costopt-chart-"));
  mkdirSync(join(dir, "web/templates"), { recursive: true });
  writeFileSync(join(dir, "web/Chart.yaml"), "apiVersion: v2\nname: web\nversion: 1.2.3\n");
  writeFileSync(join(dir, "web/values.yaml"), "server:\n  resources: {}\n");
  // A Helm template, not a manifest, so not deploymentYaml.
  writeFileSync(
    join(dir, "web/templates/deployment.yaml"),
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
        - name: server
          resources: {{- toYaml .Values.server.resources | nindent 12 }}
`,
  );
  try {
    execFileSync("tar", ["czf", join(dir, "web-1.2.3.tgz"), "-C", dir, "web"]);
  } catch (err) {
    throw new Error(`building the test chart needs \`tar czf\`: ${(err as Error).message}`);
  }
  return readFileSync(join(dir, "web-1.2.3.tgz"));
}

let files: Server;
let filesUrl: string;
let closedUrl: string;
let api: FakeKubeApi;
let reader: ClusterClient;

beforeAll(async () => {
  const archive = chartArchive();
  const bodies: Record<string, Buffer> = {
    "/ok.tgz": archive,
    "/big.tgz": Buffer.concat([archive, Buffer.alloc(64 * 1024, 1)]),
    "/garbage.tgz": Buffer.from("<html>not a chart</html>"),
  };
  files = createServer((req, res) => {
    const body = bodies[req.url ?? ""];
    res.writeHead(body ? 200 : 404).end(body);
  });
  await new Promise<void>((r) => files.listen(0, "127.0.0.1", r));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  // A port nothing listens on any more: connection refused.
  const gone = createServer();
  await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
  closedUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/web.tgz`;
  await new Promise<void>((r) => gone.close(() => r()));

  api = new FakeKubeApi([
    ...CORE_RESOURCES,
    { ...FLUX_HELMCHARTS, kind: "HelmChart", readOnly: true },
    { ...FLUX_OCIREPOSITORIES, kind: "OCIRepository", readOnly: true },
  ]);
  await api.start();
  reader = kubeFor(api.url);
});

afterAll(async () => {
  await api.stop();
  await new Promise<void>((r) => files.close(() => r()));
});

function serve(kind: "HelmChart" | "OCIRepository", namespace: string, name: string, url: string): void {
  const ref = kind === "HelmChart" ? FLUX_HELMCHARTS : FLUX_OCIREPOSITORIES;
  api.put(ref.group, ref.version, ref.plural, {
    apiVersion: `${ref.group}/${ref.version}`,
    kind,
    metadata: { name, namespace },
    status: { artifact: { url, revision: "1.2.3" } },
  });
}

async function locate(content: string, maxBytes?: number) {
  const index = indexRepository([{ path: "apps/web/release.yaml", content }]);
  const needs = chartNeeds(index, TARGET);
  const charts = await fetchCharts(reader, needs, maxBytes ? { maxBytes } : {});
  return { index, needs, located: locateWorkload(index, TARGET, undefined, { charts }) };
}

describe("the chart artifact Flux fetched", () => {
  it("chart.spec from a HelmRepository: helm-controller's HelmChart <namespace>-<name>; its templates place server.resources", async () => {
    serve("HelmChart", "flux-system", "web-web", `${filesUrl}/ok.tgz`);
    const { index, needs, located } = await locate(fromRepository);
    expect(needs).toEqual([
      { key: "HelmChart/flux-system/web-web", kind: "HelmChart", namespace: "flux-system", name: "web-web" },
    ]);
    if (!located.ok) throw new Error(located.reason);
    expect(located.notes[0]).toContain(
      `the chart artifact of HelmChart flux-system/web-web (${filesUrl}/ok.tgz) (templates/deployment.yaml reads .Values.server.resources)`,
    );
    const plan = planChanges(index, located, CPU);
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.edits[0]?.after).toContain(
      "    server:\n      image:\n        tag: v2\n      resources:\n        requests:\n          cpu: 120m\n",
    );
  });

  it("chartRef to an OCIRepository: its artifact is read the same way", async () => {
    serve("OCIRepository", "web", "web-chart", `${filesUrl}/ok.tgz`);
    const { located } = await locate(fromOci);
    expect(located.ok && located.containers[0]?.sites.cpuRequest[0]?.path).toBe(
      "/spec/values/server/resources/requests/cpu",
    );
  });

  const refusals: [string, string, RegExp][] = [
    ["too large", "/big.tgz", /cannot be read: it is (\d+ bytes, )?over the 65536-byte limit/],
    ["not a tarball", "/garbage.tgz", /cannot be read: it is not a gzip-compressed tar archive/],
    ["unreachable", "", /cannot be read: it is unreachable \(ECONNREFUSED\)/],
  ];
  for (const [what, path, reason] of refusals)
    it(`an artifact that is ${what} is a refusal naming it; nothing is edited`, async () => {
      const url = path ? `${filesUrl}${path}` : closedUrl;
      serve("HelmChart", "flux-system", "web-web", url);
      const { located } = await locate(fromRepository, 64 * 1024);
      if (located.ok) throw new Error("expected a refusal");
      expect(located.reason).toContain(
        `Deployment web comes from HelmRelease web/web (apps/web/release.yaml), whose chart cannot be read: the chart artifact of HelmChart flux-system/web-web (${url})`,
      );
      expect(located.reason).toMatch(reason);
      expect(located.reason).toContain("nothing is edited");
    });

  it("a HelmChart that has no artifact yet, or is not in the cluster, is named too", async () => {
    const none = await fetchCharts(reader, [
      { key: "HelmChart/flux-system/absent", kind: "HelmChart", namespace: "flux-system", name: "absent" },
    ]);
    expect(none.get("HelmChart/flux-system/absent")).toEqual({
      ok: false,
      reason: "HelmChart flux-system/absent is not in the cluster",
    });
  });
});

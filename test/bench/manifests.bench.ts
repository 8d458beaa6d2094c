// Manifests at repository size: 10,000 documents in 2,000 files (scale 1), plus 20 Kustomize
// bases each with an overlay. Measures indexRepository + locateWorkload for 1,000 targets (wall
// time and peak RSS of this process), and the median time to patch one file (patchDocument with a
// CPU and memory change on a five-document file, invariant check included) and to plan one edit.
// The generated files stay in memory, so peak RSS includes them (about 3 MiB of text).

import { loadavg } from "node:os";
import { formatCpu } from "../../src/api/quantity.js";
import {
  indexRepository,
  locateWorkload,
  patchDocument,
  planChanges,
  type RepoFile,
} from "../../src/manifests/index.js";
import { type BenchResult, median, peakRssMiB, runBench } from "./harness.js";

const DOCS_PER_FILE = 5;

// Not deploymentYaml: a realistic, varied document (probes, env, ports) is what the benchmark measures.
function deployment(name: string, ns: string, i: number): string {
  return `# ${name}: generated for the costopt manifests benchmark.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${name}
    team: team-${i % 17}
spec:
  replicas: ${1 + (i % 4)}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      serviceAccountName: ${name}
      containers:
      - name: server
        image: registry.example.com/${name}:1.${i % 30}.0
        ports:
        - containerPort: 8080
        env:
        - name: PORT
          value: "8080"
        - name: LOG_LEVEL
          value: info
        readinessProbe:
          httpGet:
            path: /healthz
            port: 8080
        resources:
          requests:
            cpu: ${formatCpu(100 + (i % 9) * 50)}
            memory: ${64 * (1 + (i % 8))}Mi
          limits:
            cpu: "${1 + (i % 2)}"
            memory: ${128 * (1 + (i % 8))}Mi
      - name: proxy
        image: envoyproxy/envoy:v1.31.0
        resources:
          requests: {cpu: 50m, memory: 32Mi}
`;
}

function companions(name: string, ns: string): string[] {
  return [
    `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  selector:\n    app: ${name}\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n`,
    `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-config\n  namespace: ${ns}\ndata:\n  feature.flags: "a,b,c"\n  timeout: 30s\n`,
    `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app: ${name}\n`,
  ];
}

function generate(scale: number) {
  const fileCount = Math.max(10, Math.round(2000 * scale));
  const files: RepoFile[] = [];
  const targets: { kind: "Deployment"; namespace: string; name: string }[] = [];
  for (let i = 0; i < fileCount; i++) {
    const name = `svc-${i}`;
    const ns = `ns-${i % 40}`;
    const kustomized = i % 100 === 0;
    const dir = kustomized ? `kustomize/${name}/base` : `apps/${ns}`;
    files.push({
      path: `${dir}/${name}.yaml`,
      content: [deployment(name, ns, i), ...companions(name, ns)].join("---\n"),
    });
    if (kustomized) {
      files.push({ path: `${dir}/kustomization.yaml`, content: `resources:\n- ${name}.yaml\n` });
      files.push({
        path: `kustomize/${name}/overlays/prod/kustomization.yaml`,
        content: `namespace: prod\nnamePrefix: prod-\nresources:\n- ../../base\npatches:\n- path: sizing.yaml\n`,
      });
      files.push({
        path: `kustomize/${name}/overlays/prod/sizing.yaml`,
        content: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n      - name: server\n        resources:\n          requests:\n            cpu: "1"\n`,
      });
      targets.push({ kind: "Deployment", namespace: "prod", name: `prod-${name}` });
    } else targets.push({ kind: "Deployment", namespace: ns, name });
  }
  // 1,000 targets spread over the repository, the kustomized ones among them.
  const step = Math.max(1, Math.floor(targets.length / Math.min(1000, targets.length)));
  const chosen = targets.filter((_, i) => i % step === 0).slice(0, 1000);
  return { files, targets: chosen };
}

runBench(async ({ scale }) => {
  const { files, targets } = generate(scale);
  const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0);
  const rssBefore = peakRssMiB();
  globalThis.gc?.();

  const t0 = performance.now();
  const index = indexRepository(files);
  const tIndex = performance.now() - t0;
  let located = 0;
  const found = [];
  for (const target of targets) {
    const l = locateWorkload(index, target);
    if (!l.ok) throw new Error(l.reason);
    located++;
    found.push(l);
  }
  const wall = performance.now() - t0;
  const rss = peakRssMiB();
  if (index.documents.length < DOCS_PER_FILE * Math.round(2000 * scale))
    throw new Error(`generated only ${index.documents.length} documents`);

  // Patch one file: a CPU and memory request change on a five-document file.
  const sample = files.filter((f) => f.path.startsWith("apps/")).slice(0, 220);
  const patchTimes = sample.map((f) => {
    const t = performance.now();
    patchDocument(f.content, 0, [
      { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/cpu", value: "250m" },
      { op: "replace", path: "/spec/template/spec/containers/0/resources/requests/memory", value: "96Mi" },
    ]);
    return performance.now() - t;
  });
  // The service patches in a warm process: the first 20 runs (JIT warm-up) are not counted.
  patchTimes.splice(0, 20);
  const planTimes = found.slice(0, 200).map((l) => {
    const t = performance.now();
    const plan = planChanges(index, l, {
      containers: [{ name: "server", cpuRequest: 250, memoryRequest: 96 * 2 ** 20 }],
    });
    if (!plan.ok) throw new Error(plan.reason);
    return performance.now() - t;
  });

  const patchMedian = median(patchTimes);
  const b = "manifests";
  return [
    { benchmark: b, metric: "files indexed", value: index.files.size, unit: "files" },
    { benchmark: b, metric: "documents indexed", value: index.documents.length, unit: "documents" },
    { benchmark: b, metric: "repository size", value: bytes / 2 ** 20, unit: "MiB" },
    { benchmark: b, metric: "index", value: tIndex, unit: "ms" },
    {
      benchmark: b,
      metric: `index + locate ${located} targets`,
      value: wall,
      unit: "ms",
      target: "<= 2000",
      ok: wall <= 2000,
    },
    { benchmark: b, metric: "peak RSS (index + locate)", value: rss, unit: "MiB" },
    { benchmark: b, metric: "peak RSS before indexing", value: rssBefore, unit: "MiB" },
    {
      benchmark: b,
      metric: "patch one file (median)",
      value: patchMedian,
      unit: "ms",
      target: "<= 5",
      ok: patchMedian <= 5,
    },
    { benchmark: b, metric: "plan one workload edit (median)", value: median(planTimes), unit: "ms" },
    // Other work on the machine slows every figure above; this says how busy it was.
    { benchmark: b, metric: "load average (1 min) at the end", value: loadavg()[0] ?? 0, unit: "" },
  ] satisfies BenchResult[];
});

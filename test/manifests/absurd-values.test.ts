// Current values that cannot be trusted are refused where they are read, naming file, document
// and field: beyond sane bounds (a typo, or an attempt to inflate the savings), or a number with a
// leading zero that kubectl's YAML 1.1 reads as octal and YAML 1.2 as decimal. A CPU or memory
// value refuses the whole workload when it is located (recommend and run alike: nothing is
// recommended from an unknown current value); a replica count refuses the edit that would write it.

import { describe, expect, it } from "vitest";
import { workloadState } from "../../src/gitops/workload.js";
import {
  indexRepository,
  type Located,
  locateWorkload,
  planChanges,
  type Target,
} from "../../src/manifests/index.js";
import { recommend } from "../../src/recommend/engine.js";
import { input, spec, usageFrom } from "../recommend/fixtures.js";
import { deploymentYaml } from "../support/workloads.js";

const TARGET: Target = { kind: "Deployment", namespace: "shop", name: "web" };
const CPU_FIELD = "field /spec/template/spec/containers/0/resources/requests/cpu";

const web = (cpu: string, replicas = "2", memory = "256Mi") =>
  deploymentYaml({ replicas, requests: { cpu, memory } });

function locate(content: string) {
  const index = indexRepository([{ path: "apps/web.yaml", content }]);
  const located = locateWorkload(index, TARGET, {});
  if (!located.ok) throw new Error(located.reason);
  return { index, located: located as Located };
}

/** Why locating the workload refused it. */
function locateRefusal(
  index: ReturnType<typeof indexRepository>,
  source: Parameters<typeof locateWorkload>[2] = {},
) {
  const located = locateWorkload(index, TARGET, source);
  expect(located.ok).toBe(false);
  return located.ok ? "" : located.reason;
}

const refusedAt = (content: string) => locateRefusal(indexRepository([{ path: "apps/web.yaml", content }]));

function refusal(content: string, desired: Parameters<typeof planChanges>[2]): string {
  const { index, located } = locate(content);
  const plan = planChanges(index, located, desired);
  expect(plan.ok).toBe(false);
  return plan.ok ? "" : plan.reason;
}

describe("absurd and ambiguous current values", () => {
  it('refuses cpu: "99999999999" (beyond 1024 cores) and reads no current value from it', () => {
    expect(refusedAt(web('"99999999999"'))).toBe(
      `apps/web.yaml, document 1, ${CPU_FIELD}: CPU quantity "99999999999" is beyond 1024 cores, more than any node has; refused`,
    );
  });

  it("accepts 1024 cores and refuses memory above 64Ti", () => {
    expect(locate(web('"1024"')).located.containers[0]?.cpuRequest).toBe(1024 * 1000);
    expect(locate(web("1", "2", "64Ti")).located.containers[0]?.memoryRequest).toBe(64 * 2 ** 40);
    expect(refusedAt(web("1", "2", "65Ti"))).toMatch(
      /^apps\/web\.yaml, document 1, field \/spec\/template\/spec\/containers\/0\/resources\/requests\/memory: memory quantity "65Ti" is beyond 64Ti/,
    );
  });

  it("refuses replicas: 100000000 and does not count them", () => {
    const content = web("100m", "100000000");
    expect(locate(content).located.replicas.current).toBe(1);
    expect(refusal(content, { replicas: 2 })).toBe(
      "apps/web.yaml, document 1, field /spec/replicas: 100000000 replicas is beyond the 10000 costopt accepts; refused",
    );
  });

  it("keeps the saving of a workload with absurd values an ordinary number", () => {
    const { index, located } = locate(web("2", "100000000"));
    const workload = workloadState(index, located, { namespace: "shop", kind: "Deployment", name: "web" });
    const r = recommend(
      input({ spec: spec({ optimizationType: "ALL" }), workload, usage: usageFrom({ cpu: () => 200 }) }),
    );
    expect(Math.abs(r.monthlySavings)).toBeLessThan(1000);
  });

  it("refuses cpu: 010, which kubectl reads as 8 and a YAML 1.2 reader as 10", () => {
    expect(refusedAt(web("010"))).toBe(
      `apps/web.yaml, document 1, ${CPU_FIELD}: ambiguous YAML number 10 written with a leading zero (kubectl's YAML 1.1 reads it as octal, YAML 1.2 as decimal); write it without the leading zero or quote it`,
    );
  });

  it("refuses a leading-zero value in a Kustomize overlay patch, naming the patch file", () => {
    const patch = deploymentYaml({ requests: { cpu: "020" } });
    const files = [
      { path: "base/web.yaml", content: web("100m") },
      { path: "base/kustomization.yaml", content: "resources:\n  - web.yaml\n" },
      { path: "prod/kustomization.yaml", content: "resources:\n  - ../base\npatches:\n  - path: cpu.yaml\n" },
      { path: "prod/cpu.yaml", content: patch },
    ];
    expect(locateRefusal(indexRepository(files), { path: "prod" })).toMatch(
      /^prod\/cpu\.yaml, document 1, field \/spec\/template\/spec\/containers\/0\/resources\/requests\/cpu: ambiguous YAML number 20/,
    );
  });

  it("refuses a leading-zero value in a Helm values file", () => {
    const files = [
      { path: "chart/Chart.yaml", content: "apiVersion: v2\nname: web\nversion: 1.0.0\n" },
      {
        path: "chart/values.yaml",
        content: "replicaCount: 2\nresources:\n  requests:\n    cpu: 010\n    memory: 256Mi\n",
      },
    ];
    expect(
      locateRefusal(indexRepository(files), { path: "chart/values.yaml", format: "helm-values" }),
    ).toMatch(/^chart\/values\.yaml, document 1, field \/resources\/requests\/cpu: ambiguous YAML number 10/);
  });

  it("refuses replicas: 03 the same way, and accepts a quoted or plain number", () => {
    expect(refusal(web("100m", "03"), { replicas: 2 })).toMatch(
      /^apps\/web\.yaml, document 1, field \/spec\/replicas: ambiguous YAML number 3 written with a leading zero/,
    );
    expect(locate(web('"010"')).located.containers[0]?.cpuRequest).toBe(10 * 1000);
    expect(locate(web("10")).located.containers[0]?.cpuRequest).toBe(10 * 1000);
  });
});

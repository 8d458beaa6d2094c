// The real-world files (GoogleCloudPlatform/microservices-demo, see testdata/real-world/.../SOURCE.txt):
// for every Deployment, a CPU and memory change touches exactly the lines holding those values.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isMap, isScalar, type Node, parseAllDocuments } from "yaml";
import { formatCpu, formatMemory } from "../../src/api/quantity.js";
import {
  type DesiredContainer,
  indexRepository,
  type Located,
  locateWorkload,
  planChanges,
} from "../../src/manifests/index.js";
import { changedLines, loadTree, REAL_WORLD } from "./helpers.js";

const FIELDS = {
  cpuRequest: ["resources", "requests", "cpu"],
  cpuLimit: ["resources", "limits", "cpu"],
  memoryRequest: ["resources", "requests", "memory"],
  memoryLimit: ["resources", "limits", "memory"],
} as const;

/** New values a recommendation might propose: CPU down a quarter, memory up by 32Mi. */
function proposal(c: Located["containers"][number]): DesiredContainer {
  return {
    name: c.name,
    cpuRequest: Math.ceil(((c.cpuRequest as number) * 3) / 4),
    cpuLimit: Math.ceil(((c.cpuLimit as number) * 3) / 4),
    memoryRequest: (c.memoryRequest as number) + 32 * 2 ** 20,
    memoryLimit: (c.memoryLimit as number) + 32 * 2 ** 20,
  };
}

/** 1-based line of the scalar at `path` in document `docIndex`, read independently of the module. */
function lineOfValue(content: string, docIndex: number, path: (string | number)[]): number {
  const doc = parseAllDocuments(content)[docIndex];
  const node = doc?.getIn(path, true) as Node | undefined;
  if (!node || !isScalar(node) || !node.range) throw new Error(`no scalar at ${path.join(".")}`);
  return content.slice(0, node.range[0]).split("\n").length;
}

const deployments = ["kubernetes-manifests", "kustomize/base"].flatMap((dir) =>
  loadTree(join(REAL_WORLD, dir), `${dir}/`)
    .filter((f) => f.path.endsWith(".yaml") && !f.path.endsWith("kustomization.yaml"))
    .flatMap((f) =>
      parseAllDocuments(f.content).flatMap((d, docIndex) =>
        d.get("kind") === "Deployment"
          ? [{ file: f, docIndex, name: String(d.getIn(["metadata", "name"])) }]
          : [],
      ),
    ),
);

describe("real-world Deployments (microservices-demo)", () => {
  it("finds every Deployment in both copies of the manifests", () => {
    expect(deployments).toHaveLength(24);
  });

  for (const { file, docIndex, name } of deployments) {
    it(`${file.path}: ${name} changes only its CPU and memory lines`, () => {
      const index = indexRepository([file]);
      const located = locateWorkload(
        index,
        { kind: "Deployment", name },
        { path: file.path, format: "manifest" },
      );
      if (!located.ok) throw new Error(located.reason);
      const desired = located.containers.map(proposal);
      const plan = planChanges(index, located, { containers: desired });
      if (!plan.ok) throw new Error(plan.reason);
      expect(plan.edits).toHaveLength(1);
      const [edit] = plan.edits as [NonNullable<(typeof plan.edits)[0]>];
      expect(edit.before).toBe(file.content);

      const doc = parseAllDocuments(file.content)[docIndex];
      const containers = doc?.getIn(["spec", "template", "spec", "containers"]);
      const expectedLines: number[] = [];
      const want = structuredClone(doc?.toJS()) as {
        spec: { template: { spec: { containers: unknown[] } } };
      };
      for (const d of desired) {
        const i = isMap(containers)
          ? -1
          : (containers as { items: Node[] }).items.findIndex((c) => isMap(c) && c.get("name") === d.name);
        const base = ["spec", "template", "spec", "containers", i];
        const wantContainer = want.spec.template.spec.containers[i] as {
          resources: { requests: Record<string, string>; limits: Record<string, string> };
        };
        for (const [field, path] of Object.entries(FIELDS)) {
          expectedLines.push(lineOfValue(file.content, docIndex, [...base, ...path]));
          const value = d[field as keyof typeof FIELDS] as number;
          wantContainer.resources[path[1] as "requests" | "limits"][path[2]] = field.startsWith("cpu")
            ? formatCpu(value)
            : formatMemory(value);
        }
      }
      // Line diff: exactly the value lines, nothing else (comments, license header, ---, indentation).
      expect(changedLines(edit.before, edit.after)).toEqual(expectedLines.sort((a, b) => a - b));
      // Re-parsed, the file is the original with the intended values, every other document untouched.
      const before = parseAllDocuments(edit.before).map((d) => d.toJS());
      const after = parseAllDocuments(edit.after).map((d) => d.toJS());
      expect(after).toEqual(before.map((d, i) => (i === docIndex ? want : d)));
    });
  }

  it("with the whole repository, both identical copies of frontend are edited together", () => {
    const index = indexRepository(loadTree(REAL_WORLD));
    expect(index.skipped).toEqual([]);
    const located = locateWorkload(index, { kind: "Deployment", name: "frontend" });
    if (!located.ok) throw new Error(located.reason);
    expect(located.definedIn.map((d) => d.file)).toEqual([
      "kubernetes-manifests/frontend.yaml",
      "kustomize/base/frontend.yaml",
    ]);
    const plan = planChanges(index, located, { containers: [{ name: "server", cpuRequest: 50 }] });
    if (!plan.ok) throw new Error(plan.reason);
    expect(plan.edits.map((e) => [e.path, changedLines(e.before, e.after)])).toEqual([
      ["kubernetes-manifests/frontend.yaml", [102]],
      ["kustomize/base/frontend.yaml", [102]],
    ]);
  });

  it("the Helm values file: every service's block changes only its four value lines", () => {
    const chart = {
      path: "helm-chart/Chart.yaml",
      content: "apiVersion: v2\nname: onlineboutique\nversion: 0.10.6\n",
    };
    const values = loadTree(join(REAL_WORLD, "helm-chart"), "helm-chart/");
    const index = indexRepository([...values, chart]);
    const content = values[0]?.content as string;
    const blocks = parseAllDocuments(content)[0]?.toJS() as Record<
      string,
      { name?: string; resources?: unknown }
    >;
    const services = Object.entries(blocks).filter(([, v]) => v?.resources && v.name);
    expect(services).toHaveLength(11);
    for (const [key, block] of services) {
      const located = locateWorkload(
        index,
        { kind: "Deployment", name: block.name as string },
        { format: "helm-values" },
      );
      if (!located.ok) throw new Error(located.reason);
      const plan = planChanges(index, located, { containers: located.containers.map(proposal) });
      if (!plan.ok) throw new Error(plan.reason);
      const lines = Object.values(FIELDS).map((p) => lineOfValue(content, 0, [key, ...p]));
      expect(changedLines(content, plan.edits[0]?.after as string), key).toEqual(lines.sort((a, b) => a - b));
    }
  });
});

import { describe, expect, it } from "vitest";
import { indexRepository, locateWorkload, planChanges } from "../../src/manifests/index.js";
import { deploymentYaml } from "../support/workloads.js";

const deployment = (name: string, cpu = "100m") =>
  deploymentYaml({ name, namespace: null, indentlessSequences: true, requests: { cpu } });

describe("indexRepository: bad input is skipped, named and located; the rest still works", () => {
  const files = [
    { path: "apps/good.yaml", content: deployment("good") },
    { path: "apps/broken.yaml", content: "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: 3\n" },
    {
      path: "apps/dupe.yaml",
      content: "kind: ConfigMap\n---\nkind: Secret\nmetadata:\n  name: x\n  name: y\n",
    },
    { path: "apps/big.yaml", content: `# ${"x".repeat(2 ** 20)}\nkind: ConfigMap\n` },
    { path: "apps/logo.yaml", content: "GIF89a\u0000\u0001binary" },
    { path: "README.md", content: "# not YAML, not indexed" },
  ];
  const index = indexRepository(files);

  it("lists each skipped file with a reason naming the file and document, and line/column for YAML errors", () => {
    const byPath = Object.fromEntries(index.skipped.map((s) => [s.path, s]));
    expect(Object.keys(byPath).sort()).toEqual([
      "apps/big.yaml",
      "apps/broken.yaml",
      "apps/dupe.yaml",
      "apps/logo.yaml",
    ]);
    expect(byPath["apps/broken.yaml"]).toMatchObject({
      code: "invalid-yaml",
      docIndex: 0,
      line: 5,
      column: 3,
    });
    expect(byPath["apps/broken.yaml"]?.reason).toMatch(
      /^apps\/broken\.yaml: document 1 \(line 5, column 3\): /,
    );
    expect(byPath["apps/dupe.yaml"]).toMatchObject({ code: "duplicate-key", docIndex: 1, line: 6 });
    expect(byPath["apps/dupe.yaml"]?.reason).toMatch(/Map keys must be unique/);
    // Documents are counted from 1, as lines are: the second document (docIndex 1) is "document 2".
    expect(byPath["apps/dupe.yaml"]?.reason).toMatch(/^apps\/dupe\.yaml: document 2 \(line 6, /);
    expect(byPath["apps/big.yaml"]).toMatchObject({ code: "too-large" });
    expect(byPath["apps/big.yaml"]?.reason).toMatch(/over the 1048576-byte limit/);
    expect(byPath["apps/logo.yaml"]).toMatchObject({ code: "binary" });
  });

  it("still locates and patches workloads in the good files", () => {
    const located = locateWorkload(index, { kind: "Deployment", name: "good" });
    if (!located.ok) throw new Error(located.reason);
    const plan = planChanges(index, located, { containers: [{ name: "app", cpuRequest: 50 }] });
    expect(plan.ok && plan.edits[0]?.after).toBe(deployment("good", "50m"));
  });

  it("takes the size cap from the options", () => {
    const small = indexRepository([{ path: "a.yaml", content: deployment("a") }], { maxFileBytes: 10 });
    expect(small.skipped[0]).toMatchObject({ path: "a.yaml", code: "too-large" });
  });

  it("a refusal for a missing workload mentions the skipped files", () => {
    const refused = locateWorkload(index, { kind: "Deployment", name: "broken" });
    expect(refused).toMatchObject({ ok: false });
    expect(!refused.ok && refused.reason).toMatch(/not found.*4 file\(s\) were skipped \(apps\/broken\.yaml/);
  });

  it("reads the items of a List as documents and edits them in place", () => {
    const list = `apiVersion: v1
kind: List
items:
- ${deployment("in-list").trimEnd().split("\n").join("\n  ")}
`;
    const idx = indexRepository([{ path: "list.yaml", content: list }]);
    const located = locateWorkload(idx, { kind: "Deployment", name: "in-list" });
    if (!located.ok) throw new Error(located.reason);
    expect(located.containers[0]?.sites.cpuRequest[0]?.path).toBe(
      "/items/0/spec/template/spec/containers/0/resources/requests/cpu",
    );
    const plan = planChanges(idx, located, { containers: [{ name: "app", cpuRequest: 250 }] });
    expect(plan.ok && plan.edits[0]?.after).toBe(list.replace("cpu: 100m", "cpu: 250m"));
  });

  it("never follows symbolic links or paths outside the repository", () => {
    const idx = indexRepository([
      { path: "linked.yaml", content: "/etc/passwd", symlink: true },
      { path: "../escape.yaml", content: deployment("escape") },
      {
        path: "k/kustomization.yaml",
        content: "resources:\n- ../../outside.yaml\n- ../linked.yaml\n- https://github.com/x/y//base\n",
      },
    ]);
    expect(idx.skipped.map((s) => [s.path, s.code])).toEqual([
      ["linked.yaml", "symlink"],
      ["../escape.yaml", "bad-path"],
    ]);
    expect(idx.kustomizations.get("k/kustomization.yaml")?.problems).toEqual([
      "k/kustomization.yaml: resources[0] ../../outside.yaml leaves the repository; not followed",
      "k/kustomization.yaml: resources[1] ../linked.yaml runs through the symlink linked.yaml; not followed",
      "k/kustomization.yaml: resources[2] https://github.com/x/y//base is remote; not followed",
    ]);
  });

  it("does not read Helm templates as manifests", () => {
    const idx = indexRepository([
      { path: "chart/Chart.yaml", content: "apiVersion: v2\nname: c\nversion: 1.0.0\n" },
      { path: "chart/templates/deploy.yaml", content: "metadata:\n  name: {{ .Release.Name }}\n" },
      { path: "chart/values.yaml", content: "replicaCount: 1\n" },
    ]);
    expect(idx.skipped).toEqual([]);
    // The templates are kept as text, to learn which values feed a container, never as documents.
    expect(idx.charts).toEqual([
      {
        dir: "chart",
        name: "c",
        valuesFiles: ["chart/values.yaml"],
        templates: [
          { path: "chart/templates/deploy.yaml", content: "metadata:\n  name: {{ .Release.Name }}\n" },
        ],
      },
    ]);
    expect([...idx.files.keys()].sort()).toEqual(["chart/Chart.yaml", "chart/values.yaml"]);
  });
});

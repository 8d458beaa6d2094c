// The commands that do not talk to a cluster never load @kubernetes/client-node (about 70 MiB
// of RSS): a resolution hook refuses the package, so any command that imported it would fail.

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeOpenMetricsFile } from "../../src/metrics/generator.js";
import { deploymentYaml } from "../support/workloads.js";

const entry = new URL("../support/costopt-entry.ts", import.meta.url).pathname;
const forbid = new URL("../support/forbid-client-node.mjs", import.meta.url).pathname;

function costopt(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--import", forbid, entry, ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const policy = `apiVersion: costopt.dev/v1
kind: CostOptimization
metadata: { name: web, namespace: shop }
spec:
  targetWorkload: { kind: Deployment, name: web }
  optimizationType: CPU
`;
const workload = deploymentYaml({
  replicas: 2,
  labels: true,
  flow: ["metadata", "selector", "podMetadata", "resources"],
  image: "example/app:1",
  requests: { cpu: '"1"', memory: "1Gi" },
});

describe("commands without a cluster", () => {
  it("validate and recommend --repo run without loading @kubernetes/client-node; scan needs it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "costopt-light-"));
    writeFileSync(join(dir, "policy.yaml"), policy);
    writeFileSync(join(dir, "web.yaml"), workload);
    const start = Date.UTC(2026, 0, 5) / 1000;
    await writeOpenMetricsFile(join(dir, "usage.om"), {
      workloads: [
        {
          namespace: "shop",
          kind: "Deployment",
          name: "web",
          replicas: 2,
          shape: "steady",
          containers: [{ name: "app", cpuMillicores: 200, memoryBytes: 2 ** 28 }],
        },
      ],
      start,
      durationSeconds: 86400,
      resolutionSeconds: 300,
      seed: 1,
    });
    const validate = costopt(["validate", "-f", join(dir, "policy.yaml")]);
    expect(validate.stderr).not.toContain("client-node");
    expect(validate.code).toBe(0);
    const recommend = costopt([
      ...["recommend", "--policies", join(dir, "policy.yaml"), "--repo", dir],
      ...["--metrics", join(dir, "usage.om"), "--now", new Date((start + 86400) * 1000).toISOString()],
    ]);
    expect(recommend.stderr).not.toContain("client-node");
    expect(recommend.stdout).toContain("shop/web");
    // The hook works: the command that talks to a cluster is refused it.
    const scan = costopt(["scan", "--metrics", join(dir, "usage.om"), "--kubeconfig", join(dir, "none")]);
    expect(scan.stderr).toContain("@kubernetes/client-node was loaded");
  });
});

// Prometheus unreachable (connection refused): the policy is Failed with the reason, nothing is
// written to GitHub, and the service retries after a backoff; once Prometheus answers again the
// retry proposes — one pull request.

import { describe, expect, it, vi } from "vitest";
import { WEB } from "../app/shop.js";
import { expectHead, expectInstallation, policySpec } from "../support/costopt-service.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { environment } from "./environment.js";

const env = environment({ startService: false });
// GitHub's pacing is not the subject here (see github.test.ts and the e2e test for it).
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).fastGitHub(await original()),
);

describe("Prometheus down", () => {
  it("reports Failed with the reason, opens no pull request, and retries after a backoff", async () => {
    const { gh } = env;
    const proxy = await startTcpProxy(Number(new URL(env.prometheus.url).port));
    try {
      await proxy.down();
      const costopt = await env.start({ prometheusUrl: proxy.url });
      const branch = costopt.branch();
      const reads: number[] = [];
      gh.scope.on("request", (req: { method: string; path?: string; url?: string }) => {
        const path = req.path ?? new URL(req.url as string).pathname;
        if (path === "/graphql") reads.push(Date.now()); // the default branch is read first
      });
      expectInstallation(gh);
      gh.snapshot({ "k8s/web.yaml": WEB });
      costopt.createPolicy(policySpec());

      const failed = await costopt.waitForStatus("Failed", (s) => s.phase === "Failed");
      const failedAt = Date.now();
      expect(failed.message).toBe(
        `Prometheus at ${proxy.url}/: cannot reach it (ECONNREFUSED) (after 4 attempts)`,
      );
      expect(failed.conditions?.find((c) => c.type === "Degraded")).toMatchObject({
        status: "True",
        reason: "OptimizationFailed",
      });
      await costopt.service.idle(); // status is visible a moment before the Event is recorded
      expect(costopt.reasons()).toEqual(["OptimizationCreated", "OptimizationFailed"]);
      expect(await costopt.metric("costopt_optimizations_failed_total")).toEqual([
        'costopt_optimizations_failed_total{reason="MetricsUnavailable"} 1',
      ]);
      expect(gh.sent).toEqual([]); // nothing written to GitHub

      // Prometheus answers again; the retry comes after the backoff and proposes once.
      const readsBefore = reads.length;
      expectHead(gh);
      gh.pulls(branch, []).commit("c".repeat(40)).createRef().openPull(1, branch).issueUpdate(1);
      await proxy.up();
      const applying = await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
      expect((reads[readsBefore] as number) - failedAt).toBeGreaterThanOrEqual(500);
      expect(applying).toMatchObject({ message: "opened #1", pullRequest: { number: 1, branch } });
      expect(gh.bodies("createPull")).toHaveLength(1);
      expect(costopt.phases()).toEqual(["Analyzing", "Failed", "Applying"]);
    } finally {
      await proxy.down();
    }
  });
});

// A policy whose spec.source.path climbs out of the repository (`../../etc`): the admission
// webhook denies it with the rule's message, and a policy that reached the cluster anyway
// (created before the webhook was installed) is refused by the reconciler — Failed with the
// rule's message, before anything is read: no usage, no GitHub request at all.

import { request } from "node:https";
import { describe, expect, it, vi } from "vitest";
import type { AdmissionReview } from "../../src/server/admission.js";
import { policySpec, type RunningCostopt } from "../support/costopt-service.js";
import { startTcpProxy } from "../support/tcp-proxy.js";
import { environment } from "./environment.js";

const env = environment({ startService: false });
// GitHub's pacing is not the subject here (see github.test.ts and the e2e test for it).
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).fastGitHub(await original()),
);
const RULE =
  'spec.source.path: Invalid value: "../../etc": must be a relative path inside the repository (no leading / and no .. segment)';

function validate(costopt: RunningCostopt, object: unknown): Promise<AdmissionReview> {
  const review = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "0d7a3b1e-4c2f-4d1a-9b8e-5f6a7c8d9e0f", operation: "CREATE", namespace: "shop", object },
  };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: costopt.admissionPort,
        path: "/validate",
        method: "POST",
        ca: costopt.admissionCa,
        headers: { "content-type": "application/json" },
      },
      (res) => {
        let data = "";
        res.on("data", (c) => {
          data += c;
        });
        res.on("end", () => resolve(JSON.parse(data) as AdmissionReview));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(review));
  });
}

describe("a policy with source.path ../../etc", () => {
  it("is denied at admission with the rule's message, and refused by the reconciler", async () => {
    const { gh } = env;
    const prometheus = await startTcpProxy(Number(new URL(env.prometheus.url).port));
    try {
      const costopt = await env.start({ prometheusUrl: prometheus.url });
      const spec = policySpec({ source: { repository: "Codertocat/Hello-World", path: "../../etc" } });
      const object = {
        apiVersion: "costopt.dev/v1",
        kind: "CostOptimization",
        metadata: { name: "web-cost", namespace: "shop" },
        spec,
      };
      const denied = await validate(costopt, object);
      expect(denied.response).toMatchObject({ allowed: false, status: { code: 422 } });
      expect(denied.response?.status?.message).toContain(RULE);
      const fixed = await validate(costopt, {
        ...object,
        spec: { ...spec, source: { ...spec.source, path: "k8s" } },
      });
      expect(fixed.response?.allowed).toBe(true);

      // In the cluster anyway: the reconciler applies the same rules before it reads anything —
      // no GitHub installation lookup, no repository read, no usage.
      costopt.createPolicy(spec);
      const failed = await costopt.waitForStatus("Failed", (s) => s.phase === "Failed");
      expect(failed.message).toBe(`the policy breaks the admission rules: ${RULE}`);
      await costopt.service.idle(); // status is visible a moment before the Event is recorded
      expect(costopt.reasons()).toEqual(["OptimizationCreated", "OptimizationFailed"]);
      expect(prometheus.connections).toBe(0);
      expect(gh.sent).toEqual([]);
    } finally {
      await prometheus.down();
    }
  });
});

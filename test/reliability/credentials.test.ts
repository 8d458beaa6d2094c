// PROMETHEUS_URL with a user and password in it: the service reads usage with them (basic auth),
// and they appear nowhere a person can read — not in the pull request costopt opens, not in the
// policy's status or Events, not in what it sends to GitHub.

import { describe, expect, it, vi } from "vitest";
import { WEB } from "../app/shop.js";
import { expectInstallation, expectProposal, policySpec } from "../support/costopt-service.js";
import { environment } from "./environment.js";

const env = environment({ startService: false });
vi.mock("../../src/server/github.js", async (original) =>
  (await import("../support/fast-github.js")).fastGitHub(await original()),
);

describe("credentials in PROMETHEUS_URL", () => {
  it("are used for the reads and shown nowhere: PR body, status, Events, GitHub requests", async () => {
    const { gh } = env;
    const withCredentials = env.prometheus.url.replace("http://", "http://costopt:hunter2@");
    const costopt = await env.start({ prometheusUrl: withCredentials });
    const branch = costopt.branch();
    expectInstallation(gh);
    expectProposal(gh, branch, { "k8s/web.yaml": WEB });
    costopt.createPolicy(policySpec());
    await costopt.waitForStatus("Applying", (s) => s.phase === "Applying");
    await costopt.service.idle();

    const body = gh.bodies("createPull")[0]?.body as string;
    // Shown redacted, the asterisks escaped so Markdown prints them instead of starting bold text.
    const shown = env.prometheus.url.replace("http://", "http://costopt:\\*\\*\\*@");
    expect(body).toContain(`from prometheus ${shown}`);
    expect(body).toContain(`source prometheus ${shown}`);
    const everything = JSON.stringify([
      gh.sent,
      costopt.status(),
      costopt.api.list("", "v1", "events"),
      costopt.api.writes("/costoptimizations/web-cost"),
    ]);
    expect(everything).not.toContain("hunter2");
  });
});

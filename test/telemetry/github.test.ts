import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { instrumentOctokit } from "../../src/telemetry/github.js";
import { createTelemetry } from "../../src/telemetry/metrics.js";
import { contractChecked } from "../forge/octokit.js";
import { fullRepository } from "../support/github-shapes.js";

afterEach(() => nock.cleanAll());

describe("GitHub API telemetry", () => {
  it("counts calls by method and status and records the remaining rate limit", async () => {
    nock.disableNetConnect();
    nock("https://api.github.com")
      .get("/repos/acme/shop")
      .reply(
        200,
        { ...fullRepository(), full_name: "acme/shop", has_discussions: false },
        { "x-ratelimit-remaining": "4321" },
      )
      .get("/repos/acme/missing")
      .reply(404, { message: "Not Found" }, { "x-ratelimit-remaining": "4320" });
    const t = createTelemetry({ defaultMetrics: false });
    const octokit = new (Octokit.plugin(contractChecked as never))({ request: { retries: 0 } });
    instrumentOctokit(octokit as never, t);
    await octokit.rest.repos.get({ owner: "acme", repo: "shop" });
    await expect(octokit.rest.repos.get({ owner: "acme", repo: "missing" })).rejects.toThrow();
    const calls = await t.registry.getSingleMetricAsString("costopt_github_api_calls_total");
    expect(calls).toContain('costopt_github_api_calls_total{method="GET",status="200"} 1');
    expect(calls).toContain('costopt_github_api_calls_total{method="GET",status="404"} 1');
    expect(await t.registry.getSingleMetricAsString("costopt_github_rate_limit_remaining")).toMatch(
      / 4320$/m,
    );
    expect(nock.pendingMocks()).toEqual([]);
  });
});

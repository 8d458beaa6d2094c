// The cost dashboard issue on GitHub, with nock standing in for GitHub and every exchange checked
// against GitHub's REST description: created at the end of a pass when missing, edited only when
// its text changed, left closed unless the settings say otherwise, and its boxes acted on (and
// unticked) only for people with write access.

import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { costoptApp, type DashboardRequest } from "../../src/app.js";
import { GitHubForge } from "../../src/forge/github/index.js";
import { DEFAULT_REPO_CONFIG } from "../../src/gitops/config.js";
import { dashboardBody, updateDashboard } from "../../src/gitops/dashboard/index.js";
import { DASHBOARD_MARKER } from "../../src/gitops/dashboard/render.js";
import { tickedActions } from "../../src/gitops/dashboard/ticks.js";
import type { ReconcileResult } from "../../src/reconcile.js";
import { MemoryStore } from "../../src/state/memory.js";
import { REPOSITORY } from "../fixtures/webhooks/index.js";
import { dashboardEdited } from "../fixtures/webhooks/issues.js";
import { TestOctokit, testOctokit } from "../forge/octokit.js";
import { recommendation } from "../gitops/recommendation.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { FakeGitHub } from "./github.js";
import { WEB } from "./shop.js";

const NOW = new Date("2026-11-26T06:00:00Z");
const target = (namespace: string, name: string) => ({ namespace, kind: "Deployment" as const, name });

/** What one pass over six policies of Codertocat/Hello-World learned. */
function pass(): ReconcileResult[] {
  const held = recommendation({
    policy: { namespace: "billing", name: "worker-cost" },
    target: target("billing", "worker"),
    currentCost: 64,
    optimizedCost: 40,
    monthlySavings: 24,
    confidence: { score: 0.55, factors: [] },
    decision: {
      allowed: false,
      stepped: false,
      checks: [
        { gate: "minConfidence", passed: false, detail: "confidence 0.55 is below minConfidence 0.7" },
        { gate: "maxRiskLevel", passed: true, detail: "risk LOW is within maxRiskLevel MEDIUM" },
      ],
      steps: [],
      reasons: [],
    },
  });
  const fits = recommendation({
    policy: { namespace: "billing", name: "batch-cost" },
    target: target("billing", "batch"),
    currentCost: 30,
    optimizedCost: 30,
    monthlySavings: 0,
    decision: {
      allowed: false,
      stepped: false,
      checks: [
        {
          gate: "change",
          passed: false,
          detail: "no change: the current values already fit the observed usage",
        },
      ],
      steps: [],
      reasons: [],
    },
  });
  const api = (name: string, saving: number) =>
    recommendation({
      policy: { namespace: "shop", name: `${name}-cost` },
      target: target("shop", name),
      currentCost: 50,
      optimizedCost: 50 - saving,
      monthlySavings: saving,
    });
  return [
    {
      policy: "shop/web-cost",
      message: "opened #7",
      recommendation: recommendation(),
      proposal: { action: "created", message: "opened #7" },
      pullRequest: {
        number: 7,
        url: "https://github.com/Codertocat/Hello-World/pull/7",
        branch: "costopt/shop/web-cost",
        state: "open",
      },
      warnings: [],
    },
    {
      policy: "shop/api-cost",
      message: "dry run: no pull request opened",
      recommendation: api("api", 10),
      proposal: { action: "dry-run", message: "dry run: no pull request opened" },
      warnings: [],
    },
    {
      policy: "shop/cart-cost",
      message:
        "declined before (#3 closed without merging); waiting for a materially different recommendation",
      recommendation: api("cart", 5.5),
      proposal: { action: "suppressed", message: "declined before (#3)" },
      warnings: [],
    },
    {
      policy: "shop/db-cost",
      message: "no Deployment shop/db in the repository",
      failureReason: "WorkloadNotFound",
      warnings: [],
    },
    {
      policy: "billing/worker-cost",
      message: "the policy's gates hold it back",
      recommendation: held,
      proposal: { action: "none", message: "held back" },
      warnings: [],
    },
    {
      policy: "billing/batch-cost",
      message: "the manifests already hold the recommended values",
      recommendation: fits,
      proposal: { action: "none", message: "the manifests already hold the recommended values" },
      warnings: [],
    },
  ];
}

async function storeWithMerge(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.recordApplied({
    policy: "billing/batch-cost",
    repository: REPOSITORY.fullName,
    pullRequest: 4,
    mergeSha: "f".repeat(40),
    fingerprint: "0123456789abcdef",
    mergedAt: "2026-11-20T10:00:00Z",
    fields: [],
    monthlySavings: 12.5,
  });
  await store.recordMergedSaving(REPOSITORY.fullName, {
    policy: "billing/batch-cost",
    pullRequest: 4,
    mergedAt: "2026-11-20T10:00:00Z",
    monthlySavings: 12.5,
  });
  return store;
}

function forge(): GitHubForge {
  return new GitHubForge({
    octokit: testOctokit(),
    owner: REPOSITORY.owner,
    repo: REPOSITORY.repo,
  });
}

/**
 * The forge as a pass leaves it: the head read (with the dashboard issues riding on the head query,
 * as `dashboards` declares them) and the blobs. The dashboard sync then costs only its writes.
 */
async function afterRead(dashboards: Parameters<FakeGitHub["dashboards"]>[0]): Promise<GitHubForge> {
  gh.snapshot({ "k8s/web.yaml": WEB }).dashboards(dashboards);
  const f = forge();
  await f.snapshot();
  expect(gh.all).toEqual(["POST /graphql", "POST /graphql"]);
  gh.all.length = 0;
  return f;
}

const config = { ...DEFAULT_REPO_CONFIG };
/** A dashboard costopt wrote in an earlier pass. */
const OLD = `${DASHBOARD_MARKER}\nlast month's numbers`;

let gh: FakeGitHub;
beforeEach(() => {
  nock.disableNetConnect();
  gh = new FakeGitHub();
});
afterEach(() => {
  expect(gh.scope.pendingMocks()).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("the dashboard at the end of a pass", () => {
  it("is created when the repository has none: totals, a chart, a section per namespace, a row per policy", async () => {
    const f = await afterRead([]);
    gh.createIssue(12);
    const store = await storeWithMerge();
    expect(await updateDashboard(f, pass(), { store, now: () => NOW, config })).toBe("created");
    // The head query found none: no lookup of its own, one request to create it.
    expect(gh.all).toEqual(["POST /repos/Codertocat/Hello-World/issues"]);
    const [sent] = gh.bodies("createIssue");
    expect(sent).toMatchObject({ title: "costopt: cost dashboard", labels: ["costopt-dashboard"] });
    const body = sent?.body as string;
    // Each workload once; the failed policy has no cost; the merged saving is this month's record.
    expect(body).toContain(
      "**Monthly cost:** $315 · **Savings available:** $79.75/mo · **Savings merged this month:** $12.50/mo",
    );
    expect(body).toContain(
      '```mermaid\npie showData title Savings available per namespace (USD/month)\n  "billing" : 24.00\n  "shop" : 55.75\n```',
    );
    expect(body.indexOf("## Namespace `billing`")).toBeLessThan(body.indexOf("## Namespace `shop`"));
    for (const row of [
      "| `shop/web-cost` | Deployment/web | $121 | $80.25 | $40.25 | PR #7 open | 86% | LOW |",
      "| `shop/api-cost` | Deployment/api | $50.00 | $40.00 | $10.00 | dry run | 86% | LOW |",
      "| `shop/cart-cost` | Deployment/cart | $50.00 | $44.50 | $5.50 | suppressed after a close: declined before (#3 closed without merging); waiting for a materially different recommendation | 86% | LOW |",
      "| `shop/db-cost` | — | — | — | — | failed: WorkloadNotFound: no Deployment shop/db in the repository | — | — |",
      "| `billing/worker-cost` | Deployment/worker | $64.00 | $40.00 | $24.00 | held back by minConfidence: confidence 0.55 is below minConfidence 0.7 | 55% | LOW |",
      "| `billing/batch-cost` | Deployment/batch | $30.00 | $30.00 | $0.00 | merged (#4) | 86% | LOW |",
    ])
      expect(body).toContain(row);
    // Boxes: open now for the dry run and the held back row, propose again for the suppressed one.
    expect(tickedActions(body.replace(/- \[ \]/g, "- [x]"))).toEqual([
      { kind: "open", policy: "billing/worker-cost" },
      { kind: "open", policy: "shop/api-cost" },
      { kind: "again", policy: "shop/cart-cost" },
      { kind: "recheck-all" },
    ]);
  });

  it("is edited only when its text changed, once", async () => {
    const store = await storeWithMerge();
    const body = await dashboardBody(pass(), store, NOW, { repository: REPOSITORY.fullName });
    const f = await afterRead([{ number: 12, title: "costopt: cost dashboard", body }]);
    expect(await updateDashboard(f, pass(), { store, now: () => NOW, config })).toBe("unchanged");
    // Found in what the head query carried, and the same text: not a single request.
    expect(gh.all).toEqual([]);

    // The web proposal got merged: one edit with the new text.
    const next = pass();
    next[0] = {
      ...next[0],
      proposal: { action: "none", message: "already holds" },
      pullRequest: undefined,
    } as ReconcileResult;
    await store.recordApplied({
      ...(await store.applied("billing/batch-cost"))[0],
      policy: "shop/web-cost",
      pullRequest: 7,
      monthlySavings: 40.25,
    } as never);
    await store.recordMergedSaving(REPOSITORY.fullName, {
      policy: "shop/web-cost",
      pullRequest: 7,
      mergedAt: "2026-11-25T10:00:00Z",
      monthlySavings: 40.25,
    });
    gh.head().editIssue(12);
    await f.snapshot();
    expect(await updateDashboard(f, next, { store, now: () => NOW, config })).toBe("updated");
    expect(gh.all).toEqual(["POST /graphql", "PATCH /repos/Codertocat/Hello-World/issues/12"]);
    const edits = gh.bodies("editIssue");
    expect(edits).toHaveLength(1);
    expect(Object.keys(edits[0] ?? {})).toEqual(["body"]);
    expect(edits[0]?.body).toContain("| merged (#7) |");
    expect(edits[0]?.body).toContain("**Savings merged this month:** $52.75/mo");
  });

  it("leaves a dashboard a person closed closed, unless dashboardReopen is set", async () => {
    const store = new MemoryStore();
    const f = await afterRead([{ number: 12, title: "costopt: cost dashboard", body: OLD, state: "closed" }]);
    expect(await updateDashboard(f, pass(), { store, now: () => NOW, config })).toBe("left-closed");
    // Seen closed in the head query: nothing looked up, nothing written.
    expect(gh.all).toEqual([]);
    gh.head().editIssue(12);
    await f.snapshot();
    const reopen = { ...config, dashboardReopen: true };
    expect(await updateDashboard(f, pass(), { store, now: () => NOW, config: reopen })).toBe("reopened");
    expect(gh.bodies("editIssue")[0]).toMatchObject({
      state: "open",
      body: expect.stringContaining("## Namespace"),
    });
  });

  it("is not written at all with dashboard: false", async () => {
    const off = { ...config, dashboard: false };
    expect(
      await updateDashboard(forge(), pass(), { store: new MemoryStore(), now: () => NOW, config: off }),
    ).toBe("off");
    expect(gh.all).toEqual([]);
  });

  it("keeps one dashboard per cluster when clusters share the repository", async () => {
    const f = await afterRead([{ number: 12, title: "costopt: cost dashboard", body: OLD }]);
    gh.createIssue(13);
    const deps = { store: new MemoryStore(), now: () => NOW, config, cluster: "prod" };
    expect(await updateDashboard(f, pass(), deps)).toBe("created");
    const [sent] = gh.bodies("createIssue");
    expect(sent?.title).toBe("costopt: cost dashboard (prod)");
    expect(String(sent?.body).split("\n")[0]).toBe("<!-- costopt:dashboard cluster=prod -->");
  });

  it("ignores a person's issue of the same title, label and marker: a new dashboard is created", async () => {
    const mine = { number: 12, title: "costopt: cost dashboard", body: OLD, author: "User" as const };
    const f = await afterRead([mine]);
    gh.createIssue(13);
    const deps = { store: new MemoryStore(), now: () => NOW, config };
    expect(await updateDashboard(f, pass(), deps)).toBe("created");
    expect(gh.all).toEqual(["POST /repos/Codertocat/Hello-World/issues"]);
    // The same through the REST lookup (a forge that read no head this pass).
    gh.dashboardSearch([mine]).createIssue(14);
    expect(await updateDashboard(forge(), pass(), deps)).toBe("created");
  });
});

describe("the dashboard when the head query did not carry it", () => {
  it("is looked up through REST by a forge that read no head", async () => {
    const store = await storeWithMerge();
    const body = await dashboardBody(pass(), store, NOW, { repository: REPOSITORY.fullName });
    gh.dashboardSearch([{ number: 12, title: "costopt: cost dashboard", body }]);
    expect(await updateDashboard(forge(), pass(), { store, now: () => NOW, config })).toBe("unchanged");
    expect(gh.all).toEqual(["GET /repos/Codertocat/Hello-World/issues"]);
    gh.dashboardSearch([{ number: 12, title: "costopt: cost dashboard", body: OLD, state: "closed" }]);
    expect(await updateDashboard(forge(), pass(), { store, now: () => NOW, config })).toBe("left-closed");
  });

  it("is looked up through REST when GitHub refuses the issues in the head query, which stops asking for them", async () => {
    // The head query with the tree and the issues is refused; asked again without either, the
    // tree is listed through REST.
    gh.snapshot({ "k8s/web.yaml": WEB }).refuseIssues().head();
    const f = forge();
    await f.snapshot();
    expect(gh.all).toEqual([
      "POST /graphql",
      "POST /graphql",
      `GET /repos/Codertocat/Hello-World/git/trees/${"b".repeat(40)}`,
      "POST /graphql",
    ]);
    const store = await storeWithMerge();
    const body = await dashboardBody(pass(), store, NOW, { repository: REPOSITORY.fullName });
    gh.dashboardSearch([{ number: 12, title: "costopt: cost dashboard", body }]);
    gh.all.length = 0;
    expect(await updateDashboard(f, pass(), { store, now: () => NOW, config })).toBe("unchanged");
    expect(gh.all).toEqual(["GET /repos/Codertocat/Hello-World/issues"]);
    // The next pass of this forge does not ask for them again: one head query, one REST lookup.
    gh.head().dashboardSearch([{ number: 12, title: "costopt: cost dashboard", body }]);
    gh.all.length = 0;
    await f.snapshot();
    expect(await updateDashboard(f, pass(), { store, now: () => NOW, config })).toBe("unchanged");
    expect(gh.all).toEqual(["POST /graphql", "GET /repos/Codertocat/Hello-World/issues"]);
  });
});

describe("ticking a box on the dashboard", () => {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  let actions: DashboardRequest[];
  let probot: Probot;

  beforeEach(() => {
    actions = [];
    probot = new Probot({ appId: 123, privateKey, secret: "s", Octokit: TestOctokit, logLevel: "fatal" });
    probot.load(
      costoptApp({
        store: new MemoryStore(),
        metadataKey: TEST_KEY,
        resolvePolicy: async (ref) =>
          ref.namespace === "shop" || ref.namespace === "billing"
            ? { repository: REPOSITORY.fullName, workload: { target: target(ref.namespace, ref.name) } }
            : undefined,
        now: () => NOW,
        onDashboardAction: (a) => {
          actions.push(a);
        },
      }),
    );
  });

  async function ticked(check: (body: string) => string): Promise<{ before: string; after: string }> {
    const body = check(
      await dashboardBody(pass(), new MemoryStore(), NOW, { repository: REPOSITORY.fullName }),
    );
    return { before: body, after: body.replace(/- \[x\]/g, "- [ ]") };
  }

  const receive = (body: string, sender: string) =>
    probot.receive({
      id: `d-${Math.random()}`,
      name: "issues",
      payload: dashboardEdited({ number: 12, body, sender }),
    } as never);

  it("acts for someone with write access, then unticks the box", async () => {
    const { before, after } = await ticked((b) =>
      b.replace("- [ ] <!-- costopt:open shop/api-cost -->", "- [x] <!-- costopt:open shop/api-cost -->"),
    );
    gh.installationToken().permission("alice", "write").editIssue(12);
    await receive(before, "alice");
    expect(actions).toEqual([
      {
        repository: REPOSITORY.fullName,
        kind: "open",
        policy: { key: "shop/api-cost", namespace: "shop", name: "api-cost" },
      },
    ]);
    expect(gh.bodies("editIssue")).toEqual([{ body: after }]);
    expect(tickedActions(after)).toEqual([]);
  });

  it("acts on a body edited in the browser, which GitHub keeps with CRLF line endings", async () => {
    const { before, after } = await ticked((b) =>
      b
        .replace("- [ ] <!-- costopt:recheck-all -->", "- [x] <!-- costopt:recheck-all -->")
        .replace(/\n/g, "\r\n"),
    );
    gh.installationToken().permission("alice", "write").editIssue(12);
    await receive(before, "alice");
    expect(actions).toEqual([{ repository: REPOSITORY.fullName, kind: "recheck-all" }]);
    expect(gh.bodies("editIssue")).toEqual([{ body: after }]);
  });

  it("runs propose again and recheck everything from one edit", async () => {
    const { before } = await ticked((b) =>
      b
        .replace("- [ ] <!-- costopt:again shop/cart-cost -->", "- [x] <!-- costopt:again shop/cart-cost -->")
        .replace("- [ ] <!-- costopt:recheck-all -->", "- [X] <!-- costopt:recheck-all -->"),
    );
    gh.installationToken().permission("alice", "admin").editIssue(12);
    await receive(before, "alice");
    expect(actions.map((a) => a.kind)).toEqual(["again", "recheck-all"]);
  });

  it("ignores a tick by someone without write access: nothing done, nothing written", async () => {
    const { before } = await ticked((b) =>
      b.replace("- [ ] <!-- costopt:recheck-all -->", "- [x] <!-- costopt:recheck-all -->"),
    );
    gh.installationToken().permission("mallory", "read");
    await receive(before, "mallory");
    expect(actions).toEqual([]);
    expect(gh.rest).toEqual([
      "POST /app/installations/1/access_tokens",
      "GET /repos/Codertocat/Hello-World/collaborators/mallory/permission",
    ]);
  });

  it("acts on no policy of another repository or cluster written into a box by hand", async () => {
    const body = `${await dashboardBody(pass(), new MemoryStore(), NOW, { repository: REPOSITORY.fullName })}\n- [x] <!-- costopt:open elsewhere/x-cost -->\n`;
    gh.installationToken().permission("alice", "write").editIssue(12);
    await receive(body, "alice");
    expect(actions).toEqual([]);
  });

  it("costs nothing for an edit that ticks no box, or of another issue", async () => {
    await receive(
      await dashboardBody(pass(), new MemoryStore(), NOW, { repository: REPOSITORY.fullName }),
      "alice",
    );
    await probot.receive({
      id: "d-other",
      name: "issues",
      payload: dashboardEdited({
        number: 3,
        title: "Bug",
        body: "- [x] <!-- costopt:recheck-all -->",
        sender: "alice",
      }),
    } as never);
    expect(gh.all).toEqual([]);
    expect(actions).toEqual([]);
  });
});

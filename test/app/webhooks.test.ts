// The Probot app, driven by GitHub's example payloads (adapted only for costopt's branch, body,
// merged flag, comment text and changed files), with nock standing in for GitHub.

import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type AppOptions,
  costoptApp,
  githubForge,
  type KeyedPolicyRef,
  policyRef,
  type ReevaluateRequest,
  type UntrustedReason,
  webhookMiddleware,
} from "../../src/app.js";
import {
  MetadataKey,
  type ProposalMetadata,
  parseMetadata,
  renderMetadata,
  withMetadata,
} from "../../src/gitops/metadata.js";
import type { PullRequestOutcome } from "../../src/gitops/outcome.js";
import { commitTrailer } from "../../src/gitops/proposals.js";
import { MemoryStore } from "../../src/state/memory.js";
import { RedisStore } from "../../src/state/redis.js";
import type { Store } from "../../src/state/types.js";
import {
  installationCreated,
  type PullOptions,
  pullRequestClosed,
  pullRequestComment,
  push,
} from "../fixtures/webhooks/index.js";
import { TestOctokit } from "../forge/octokit.js";
import { TEST_KEY } from "../support/metadata-key.js";
import { FakeGitHub } from "./github.js";
import { WEB } from "./shop.js";

const SECRET = "webhook-secret";
const BRANCH = "costopt/shop/web-cost";
const REVERT = `${BRANCH}-revert-1`;
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const R = "/spec/template/spec/containers/0/resources";
const META: ProposalMetadata = {
  v: 1,
  kind: "proposal",
  policy: "shop/web-cost",
  fingerprint: "0123456789abcdef",
  base: "a".repeat(40),
  head: "c".repeat(40),
  fields: [
    { path: "k8s/web.yaml", document: 0, pointer: `${R}/requests/cpu`, before: "500m", after: "250m" },
    { path: "k8s/web.yaml", document: 0, pointer: `${R}/requests/memory`, before: "512Mi", after: "384Mi" },
    { path: "k8s/web.yaml", document: 0, pointer: `${R}/limits/memory`, before: "512Mi", after: "384Mi" },
  ],
  createdFiles: [],
  proposed: { "app/cpuRequest": 250 },
  monthlySavings: 40.25,
};
const BODY = withMetadata("costopt proposes to right-size CPU and memory.", META, TEST_KEY);
const MERGED_WEB = WEB.replace("cpu: 500m", "cpu: 250m").replace(/memory: 512Mi/g, "memory: 384Mi");
/** costopt's own commit behind META, as GitHub shows it to a rollback. */
const OWN_COMMIT = {
  head: META.head,
  base: META.base,
  message: `costopt: web right-size CPU and memory\n\n${commitTrailer(META.policy, META.fingerprint)}\n`,
  files: { "k8s/web.yaml": [WEB, MERGED_WEB] as [string, string] },
};
const merged: PullOptions = {
  number: 1,
  branch: BRANCH,
  body: BODY,
  state: "closed",
  merged: true,
  headSha: "c".repeat(40),
};
const open: PullOptions = { number: 1, branch: BRANCH, body: BODY, headSha: "c".repeat(40) };

let gh: FakeGitHub;
let store: Store;
let outcomes: (PullRequestOutcome & { ref: KeyedPolicyRef })[];
let reevaluated: ReevaluateRequest[];
let untrusted: UntrustedReason[];
let probot: Probot;
let app: ReturnType<typeof costoptApp>;

/** The policy as the cluster knows it: its workload and the repository its proposals live in. */
const SHOP_POLICY = {
  repository: "Codertocat/Hello-World",
  workload: { target: { namespace: "shop", kind: "Deployment" as const, name: "web" } },
};

function setup(extra: Partial<AppOptions> = {}) {
  app = costoptApp({
    store,
    metadataKey: TEST_KEY,
    resolvePolicy: async (ref) => (ref.key === "shop/web-cost" ? SHOP_POLICY : undefined),
    onUntrusted: (reason) => {
      untrusted.push(reason);
    },
    now: () => new Date("2026-11-26T06:00:00Z"),
    onOutcome: (o) => {
      outcomes.push(o);
    },
    onReevaluate: (r) => {
      reevaluated.push(r);
    },
    ...extra,
  });
  probot = new Probot({ appId: 123, privateKey, secret: SECRET, Octokit: TestOctokit, logLevel: "fatal" });
  probot.load(app);
}

function deliver(name: string, payload: unknown, id = `delivery-${Math.random()}`) {
  return probot.receive({ id, name, payload } as never);
}

beforeEach(() => {
  nock.disableNetConnect();
  nock.enableNetConnect("127.0.0.1");
  gh = new FakeGitHub();
  store = new MemoryStore();
  outcomes = [];
  reevaluated = [];
  untrusted = [];
  setup();
});
afterEach(() => {
  expect(gh.scope.pendingMocks()).toEqual([]);
  nock.cleanAll();
  nock.enableNetConnect();
});

describe("pull_request.closed", () => {
  it("records a merged proposal in the ledger with its originals and reports Applied", async () => {
    await deliver("pull_request", pullRequestClosed({ ...merged, mergeSha: "m".repeat(40) }));
    expect(outcomes).toEqual([
      expect.objectContaining({
        kind: "applied",
        policy: "shop/web-cost",
        pullRequest: 1,
        mergeSha: "m".repeat(40),
      }),
    ]);
    expect(outcomes[0]?.ref).toEqual({ key: "shop/web-cost", namespace: "shop", name: "web-cost" });
    const [entry] = await store.applied("shop/web-cost");
    expect(entry).toMatchObject({
      repository: "Codertocat/Hello-World",
      pullRequest: 1,
      fingerprint: META.fingerprint,
    });
    expect(entry?.fields.map((f) => f.before)).toEqual(["500m", "512Mi", "512Mi"]);
  });

  it("suppresses a proposal a person closed without merging", async () => {
    await deliver("pull_request", pullRequestClosed(open));
    expect(outcomes.map((o) => o.kind)).toEqual(["declined"]);
    expect(await store.suppressions("shop/web-cost")).toEqual([
      expect.objectContaining({ fingerprint: META.fingerprint, reason: "#1 closed without merging" }),
    ]);
  });

  it("does not treat its own close (recommendation gone) as a person declining", async () => {
    await deliver(
      "pull_request",
      pullRequestClosed({ ...open, body: withMetadata(BODY, { ...META, closedBy: "costopt" }, TEST_KEY) }),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(["withdrawn"]);
    expect(await store.suppressions("shop/web-cost")).toEqual([]);
  });

  it("reports RolledBack and forgets the ledger entry when a revert is merged", async () => {
    await deliver("pull_request", pullRequestClosed({ ...merged, mergeSha: "m".repeat(40) }));
    const revertBody = withMetadata("revert", { ...META, kind: "revert", revertOf: 1 }, TEST_KEY);
    await deliver(
      "pull_request",
      pullRequestClosed({ number: 2, branch: REVERT, body: revertBody, merged: true }),
    );
    expect(outcomes.map((o) => o.kind)).toEqual(["applied", "rolled-back"]);
    expect(await store.applied("shop/web-cost")).toEqual([]);
  });

  it("ignores pull requests that are not costopt's, or belong to another cluster", async () => {
    await deliver(
      "pull_request",
      pullRequestClosed({ number: 5, branch: "changes", body: "Fix the README", merged: true }),
    );
    await deliver("pull_request", pullRequestClosed({ ...merged, branch: "costopt/shop/other" }));
    setup({ clusterName: "prod-eu" });
    await deliver("pull_request", pullRequestClosed(merged));
    expect(outcomes).toEqual([]);
    expect(await store.applied("shop/web-cost")).toEqual([]);
    expect(policyRef("prod-eu/shop/web-cost", "prod-eu")).toEqual({
      key: "prod-eu/shop/web-cost",
      namespace: "shop",
      name: "web-cost",
    });
  });
});

describe("/costopt commands", () => {
  it("rollback opens a revert PR restoring exactly the originals on the current default branch", async () => {
    gh.installationToken().pull(merged).permission("alice", "write");
    gh.history(BRANCH, [merged]).history(REVERT, []).proposalCommit(OWN_COMMIT);
    gh.snapshot({ "k8s/web.yaml": MERGED_WEB, "README.md": "x" });
    gh.commit("r".repeat(40))
      .createRef()
      .openPull(2, REVERT)
      .issueUpdate(2)
      .updatePull(1, BRANCH)
      .comment(1)
      .comment(1);
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt rollback", user: "alice" }),
    );

    expect(gh.treeFiles()).toEqual({ "k8s/web.yaml": WEB });
    expect(gh.bodies("commit")[0]).toMatchObject({ parents: ["a".repeat(40)] });
    expect(gh.bodies("createRef")[0]).toEqual({ ref: `refs/heads/${REVERT}`, sha: "r".repeat(40) });
    const pr = gh.bodies("createPull")[0] as Record<string, string>;
    expect(pr).toMatchObject({ head: REVERT, base: "master" });
    expect(pr.body).toContain("This reverts #1");
    expect(parseMetadata(pr.body, TEST_KEY)).toMatchObject({ kind: "revert", revertOf: 1 });
    expect(gh.bodies("issueUpdate")[0]).toEqual({ labels: ["cost-optimization", "costopt:rollback"] });
    expect(parseMetadata(gh.bodies("updatePull")[0]?.body, TEST_KEY)?.rolledBack).toBe(2);
    expect(gh.bodies("comment").map((c) => c.body)).toEqual([
      "Rolling back (requested by @alice): #2.",
      "@alice, opened #2 to revert #1.",
    ]);
    expect(await store.suppressions("shop/web-cost")).toEqual([
      expect.objectContaining({ reason: "rolled back by #2" }),
    ]);
  });

  it("rollback explains a conflict instead of pushing when a field changed since", async () => {
    gh.installationToken().pull(merged).permission("alice", "admin");
    gh.history(BRANCH, [merged])
      .history(REVERT, [])
      .proposalCommit(OWN_COMMIT)
      .snapshot({ "k8s/web.yaml": MERGED_WEB.replace("cpu: 250m", "cpu: 300m") });
    gh.comment(1).updatePull(1, BRANCH);
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt rollback", user: "alice" }),
    );
    const [comment] = gh.bodies("comment").map((c) => c.body as string);
    expect(comment).toContain("did not: these values changed since it was merged");
    expect(comment).toContain(`- k8s/web.yaml (document 1) ${R}/requests/cpu is now "300m", not "250m"`);
    expect(gh.bodies("tree")).toEqual([]);
  });

  it("answers people without write access politely and does nothing", async () => {
    gh.installationToken().pull(merged).permission("mallory", "read").comment(1);
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt rollback", user: "mallory" }),
    );
    expect(gh.bodies("comment")[0]?.body).toBe(
      "Thanks @mallory, but only people with write access to this repository can run costopt commands, so nothing was done.",
    );
    expect(gh.bodies("tree")).toEqual([]);
  });

  it.each(["memory", "redis"])(
    "ignore closes the PR and suppresses its fingerprint; five identical deliveries act once (%s store)",
    async (kind) => {
      if (kind === "redis") {
        store = await RedisStore.connect("redis://127.0.0.1:6379", {
          prefix: `costopt-test-${randomUUID()}:`,
        });
        setup();
      }
      gh.installationToken()
        .pull(open)
        .permission("alice", "write")
        .comment(1)
        .updatePull(1, BRANCH)
        .deleteRef(BRANCH);
      const payload = pullRequestComment({ number: 1, body: "Not now.\n/costopt ignore\n", user: "alice" });
      const id = randomUUID();
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => deliver("issue_comment", payload, id)),
      );
      expect(results.map((r) => r.status)).toEqual(Array(5).fill("fulfilled"));
      expect(gh.bodies("comment").map((c) => c.body)).toEqual([
        "Ignored by @alice: costopt will not propose this change again until the recommendation changes materially.",
      ]);
      expect(gh.bodies("updatePull")).toEqual([{ state: "closed" }]);
      expect(await store.suppressions("shop/web-cost")).toEqual([
        expect.objectContaining({ fingerprint: META.fingerprint, reason: "ignored by @alice on #1" }),
      ]);
      await store.close();
    },
  );

  it("lets GitHub's redelivery through when handling failed the first time", async () => {
    gh.installationToken();
    gh.scope.get("/repos/Codertocat/Hello-World/pulls/1").reply(502, { message: "Bad Gateway" });
    const payload = pullRequestComment({ number: 1, body: "/costopt recheck", user: "alice" });
    await expect(deliver("issue_comment", payload, "flaky")).rejects.toThrow();
    gh.pull(open).permission("alice", "write").repoConfig(undefined).comment(1);
    await deliver("issue_comment", payload, "flaky");
    expect(reevaluated.map((r) => r.reason)).toEqual(["recheck"]);
  });

  it("recheck asks for a new analysis, with the repository settings read through context.config", async () => {
    gh.installationToken()
      .pull(open)
      .permission("alice", "write")
      .repoConfig("reviewers: [alice\n")
      .comment(1);
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt recheck", user: "alice" }),
    );
    expect(reevaluated).toEqual([
      {
        repository: "Codertocat/Hello-World",
        reason: "recheck",
        policy: { key: "shop/web-cost", namespace: "shop", name: "web-cost" },
        config: {
          config: expect.objectContaining({ reviewers: [], prHourlyLimit: 5 }),
          warnings: [
            expect.stringMatching(
              /^\.github\/costopt\.yml: Configuration could not be parsed .*\(invalid YAML\); using defaults$/,
            ),
          ],
        },
      },
    ]);
    expect(gh.bodies("comment")[0]?.body).toMatch(/^@alice, costopt is analysing `shop\/web-cost` again/);
  });

  it("ignores a comment whose author was deleted (comment.user is null)", async () => {
    const payload = pullRequestComment({ number: 1, body: "/costopt ignore", user: "alice" });
    payload.comment.user = null;
    await deliver("issue_comment", payload);
    expect(gh.all).toEqual([]);
  });

  it("lists the commands for an unknown one, and ignores bots and plain comments", async () => {
    gh.installationToken().pull(open).comment(1);
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt merge-it", user: "alice" }),
    );
    expect(gh.bodies("comment")[0]?.body).toBe(
      "@alice, costopt knows these commands: `/costopt rollback`, `/costopt recheck`, `/costopt ignore`.",
    );
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt ignore", user: "ci", type: "Bot" }),
    );
    await deliver("issue_comment", pullRequestComment({ number: 1, body: "LGTM", user: "alice" }));
    expect(gh.bodies("comment")).toHaveLength(1);
  });
});

describe("trust: nothing a PR description or a fork says decides what costopt commits", () => {
  const IMAGE = "/spec/template/spec/containers/0/image";
  const nothingCommitted = () => {
    expect(gh.bodies("tree")).toEqual([]);
    expect(gh.bodies("createPull")).toEqual([]);
    expect(gh.rest.filter((r) => r.startsWith("DELETE"))).toEqual([]);
  };

  it("ignores a metadata block someone edited (its signature no longer matches), and counts it", async () => {
    const forged = withMetadata(
      "costopt proposes to right-size CPU and memory.",
      {
        ...META,
        fields: [
          {
            path: "k8s/web.yaml",
            document: 0,
            pointer: IMAGE,
            before: "evil/miner:1",
            after: "example/web:1.0",
          },
        ],
      },
      new MetadataKey("not-the-app-secret"),
    );
    gh.installationToken().pull({ ...merged, body: forged });
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt rollback", user: "alice" }),
    );
    await deliver("pull_request", pullRequestClosed({ ...merged, body: forged }));
    nothingCommitted();
    expect(gh.bodies("comment")).toEqual([]);
    expect(outcomes).toEqual([]);
    expect(await store.applied("shop/web-cost")).toEqual([]);
    expect(untrusted).toEqual(["unsigned-metadata", "unsigned-metadata"]);
  });

  it("reads only the block at the end of the body: one a file or container name smuggled in earlier is text", async () => {
    const smuggled = renderMetadata({ ...META, policy: "shop/other" }, TEST_KEY);
    const body = withMetadata(`Changes \`${smuggled}\` in k8s/web.yaml`, META, TEST_KEY);
    expect(parseMetadata(body, TEST_KEY)?.policy).toBe("shop/web-cost");
    expect(parseMetadata(`${BODY}\n\nAppended by someone: ${smuggled} see above`, TEST_KEY)).toBeUndefined();
  });

  it("refuses a rollback whose signed description names a field costopt's own commit never changed", async () => {
    const lying = withMetadata(
      "costopt proposes to right-size CPU and memory.",
      {
        ...META,
        fields: [
          ...META.fields,
          {
            path: "k8s/web.yaml",
            document: 0,
            pointer: IMAGE,
            before: "evil/miner:1",
            after: "example/web:1.0",
          },
        ],
      },
      TEST_KEY,
    );
    const pr = { ...merged, body: lying };
    gh.installationToken().pull(pr).permission("alice", "write");
    gh.history(BRANCH, [pr]).history(REVERT, []).proposalCommit(OWN_COMMIT).comment(1).updatePull(1, BRANCH);
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt rollback", user: "alice" }),
    );
    nothingCommitted();
    const [comment] = gh.bodies("comment").map((c) => c.body as string);
    expect(comment).toContain("could not be confirmed as exactly what costopt itself changed");
    expect(comment).toContain(
      `k8s/web.yaml (document 1) ${IMAGE}: the recorded original is not what costopt's commit changed`,
    );
    expect(comment).toContain("Nothing was changed.");
  });

  it("refuses to restore fields costopt does not edit, even when its commit really changed them", async () => {
    const privileged = WEB.replace(
      "image: example/web:1.0",
      "image: example/web:1.0\n          securityContext:\n            privileged: true",
    );
    const SC = "/spec/template/spec/containers/0/securityContext";
    const meta = {
      ...META,
      fields: [{ path: "k8s/web.yaml", document: 0, pointer: SC, before: { privileged: true } }],
    };
    const body = withMetadata("costopt proposes…", meta, TEST_KEY);
    const pr = { ...merged, body };
    gh.installationToken().pull(pr).permission("alice", "write");
    gh.history(BRANCH, [pr]).history(REVERT, []);
    gh.proposalCommit({ ...OWN_COMMIT, files: { "k8s/web.yaml": [privileged, WEB] } });
    gh.snapshot({ "k8s/web.yaml": WEB }).comment(1).updatePull(1, BRANCH);
    await deliver(
      "issue_comment",
      pullRequestComment({ number: 1, body: "/costopt rollback", user: "alice" }),
    );
    nothingCommitted();
    expect(gh.bodies("comment")[0]?.body).toContain(
      `k8s/web.yaml (document 1) ${SC} changes ${SC}/privileged, which costopt does not edit`,
    );
  });

  it("ignores a fork's pull request from a branch named costopt/<policy>: no outcome, no suppression, no branch deleted", async () => {
    const fork = { ...open, headRepo: "mallory/Hello-World" };
    await deliver("pull_request", pullRequestClosed(fork));
    await deliver("pull_request", pullRequestClosed({ ...merged, headRepo: "mallory/Hello-World" }));
    gh.installationToken().pull(fork);
    await deliver("issue_comment", pullRequestComment({ number: 1, body: "/costopt ignore", user: "alice" }));
    nothingCommitted();
    expect(gh.bodies("comment")).toEqual([]);
    expect(outcomes).toEqual([]);
    expect(await store.suppressions("shop/web-cost")).toEqual([]);
    expect(await store.applied("shop/web-cost")).toEqual([]);
    expect(untrusted).toEqual(["fork", "fork", "fork"]);
  });

  it("ignores a merge in another repository of the installation (a sandbox) for the production policy", async () => {
    const payload = pullRequestClosed(merged);
    payload.repository.full_name = "Codertocat/sandbox";
    payload.repository.name = "sandbox";
    payload.pull_request.head.repo.full_name = "Codertocat/sandbox";
    await deliver("pull_request", payload);
    expect(outcomes).toEqual([]);
    expect(await store.applied("shop/web-cost")).toEqual([]);
    expect(untrusted).toEqual(["other-repository"]);
  });
});

describe("push and installation", () => {
  it("re-evaluates after a push to the default branch that changed YAML, and only then", async () => {
    gh.installationToken().repoConfig("reviewers: [alice]\nprHourlyLimit: 2\n");
    await deliver("push", push({ modified: ["k8s/web.yaml", "README.md"], added: ["k8s/new.yml"] }));
    await deliver("push", push({ modified: ["README.md"] }));
    await deliver("push", push({ ref: "refs/heads/feature", modified: ["k8s/web.yaml"] }));
    expect(reevaluated).toEqual([
      {
        repository: "Codertocat/Hello-World",
        reason: "push",
        paths: ["k8s/new.yml", "k8s/web.yaml"],
        config: { config: expect.objectContaining({ reviewers: ["alice"], prHourlyLimit: 2 }), warnings: [] },
      },
    ]);
  });

  it("evaluates the repositories of a new installation", async () => {
    await deliver("installation", installationCreated());
    expect(reevaluated).toEqual([{ repository: "Codertocat/Hello-World", reason: "installation" }]);
  });
});

describe("a forge outside any webhook", () => {
  it("authenticates as the app's installation on the repository", async () => {
    gh.installation(1);
    gh.installationToken().pull(open);
    const forge = await githubForge(probot, "Codertocat/Hello-World");
    expect((await forge.pullRequest(1))?.branch).toBe(BRANCH);
    await expect(githubForge(probot, "not-a-repo")).rejects.toThrow(/owner\/name/);
  });
});

describe("webhook signatures", () => {
  let server: Server;
  let url: string;
  beforeEach(async () => {
    const middleware = await webhookMiddleware(probot, app, { secret: SECRET });
    server = createServer((req, res) => {
      void middleware(req, res, () => res.writeHead(404).end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  });
  afterEach(() => new Promise<void>((r) => server.close(() => r())));

  function post(body: string, signature: string, id = "sig-delivery", event = "pull_request") {
    return fetch(url, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": id,
        "x-hub-signature-256": signature,
      },
    });
  }

  it("answers a signed but malformed payload with 400 naming the field, never 500", async () => {
    const sign = (b: string) => `sha256=${createHmac("sha256", SECRET).update(b).digest("hex")}`;
    const comment = pullRequestComment({ number: 1, body: "/costopt ignore", user: "alice" });
    delete comment.issue;
    const noIssue = JSON.stringify(comment);
    const res = await post(noIssue, sign(noIssue), "bad-1", "issue_comment");
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "issue_comment payload: issue.number must be a number" });
    const notJson = "{not json";
    const res2 = await post(notJson, sign(notJson), "bad-2", "issue_comment");
    expect(res2.status).toBe(400);
    expect(await res2.json()).toEqual({ error: "the payload is not JSON" });
  });

  it("rejects a bad signature with 401 and changes nothing", async () => {
    const body = JSON.stringify(pullRequestClosed(merged));
    const forged = `sha256=${createHmac("sha256", "not-the-secret").update(body).digest("hex")}`;
    expect((await post(body, forged)).status).toBe(401);
    expect((await post(body, "")).status).toBe(401);
    expect(outcomes).toEqual([]);
    expect(await store.applied("shop/web-cost")).toEqual([]);
    // The delivery id was not consumed either: the genuine delivery still goes through.
    const signed = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    expect((await post(body, signed)).status).toBe(200);
    expect(outcomes.map((o) => o.kind)).toEqual(["applied"]);
  });
});

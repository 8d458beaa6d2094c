// Where a policy's pull requests go: spec.source.repository, else the discovered source (trying
// each place the GitOps tool reads until the locator finds the workload), else DEFAULT_REPOSITORY.

import { generateKeyPairSync } from "node:crypto";
import nock from "nock";
import { Probot } from "probot";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CostOptimization } from "../../src/api/types.js";
import {
  parseRepositoryUrl,
  type ResolvedSource,
  type SourceDiscovery,
  type SourceLocation,
} from "../../src/discovery/index.js";
import { LocalForge } from "../../src/forge/local/index.js";
import type { Forge } from "../../src/forge/types.js";
import { gitTargetFor } from "../../src/server/git-target.js";
import { repositoryInstallation } from "../../src/server/github.js";
import { makeRepo } from "../forge/local-repo.js";
import { TestOctokit } from "../forge/octokit.js";
import { SPEC } from "../gitops/recommendation.js";
import { example } from "../support/github-shapes.js";
import { deploymentYaml } from "../support/workloads.js";

const DEPLOYMENT = deploymentYaml({ requests: { cpu: "500m" } });

function policy(source?: CostOptimization["spec"]["source"]): CostOptimization {
  return {
    apiVersion: "costopt.dev/v1",
    kind: "CostOptimization",
    metadata: { name: "web-cost", namespace: "shop" },
    spec: {
      ...SPEC,
      targetWorkload: { name: "web", kind: "Deployment" },
      ...(source ? { source } : {}),
    },
  };
}

/** Forges over local repositories by owner/name, recording each request. */
function forges(repos: Record<string, string>) {
  const asked: string[] = [];
  const forge = async (repository: string, branch?: string): Promise<Forge> => {
    asked.push(`${repository}@${branch ?? "default"}`);
    const dir = repos[repository];
    if (!dir) throw new Error("Not Found");
    return new LocalForge({ dir });
  };
  return { forge, asked };
}

const location = (path: string, role: string): SourceLocation => ({
  repository: {
    host: "github.com",
    owner: "acme",
    name: "values",
    fullName: "acme/values",
    key: "github.com/acme/values",
  },
  installationId: 7,
  revision: { kind: "default" },
  path,
  format: "manifest",
  role,
});

function discovery(source: ResolvedSource | string): () => SourceDiscovery {
  return () => ({
    resolve: async () => (typeof source === "string" ? { ok: false, reason: source } : { ok: true, source }),
  });
}

describe("gitTargetFor", () => {
  it("uses the policy's repository and branch without asking the cluster", async () => {
    const { forge, asked } = forges({ "acme/deploy": makeRepo({ "web.yaml": DEPLOYMENT }) });
    const target = await gitTargetFor({ forge, discovery: discovery("must not be asked") })(
      policy({ repository: "acme/deploy", branch: "release" }),
    );
    expect("forge" in target && target.source).toBeUndefined();
    expect(asked).toEqual(["acme/deploy@release"]);
  });

  it("tries the discovered locations in order and keeps the first that holds the workload", async () => {
    const { forge, asked } = forges({
      "acme/values": makeRepo({ "envs/base/web.yaml": DEPLOYMENT, "envs/prod/other.yaml": "a: 1\n" }),
    });
    const source: ResolvedSource = {
      origin: "argocd",
      decidedBy: "Argo CD Application argocd/web (tracking-id)",
      locations: [
        location("envs/prod", "helm value file 2 of 2"),
        location("envs/base", "helm value file 1 of 2"),
      ],
      explanation:
        "Argo CD Application argocd/web (tracking-id) -> https://github.com/acme/values path envs/prod",
      warnings: [],
    };
    const target = await gitTargetFor({ forge, discovery: discovery(source) })(policy());
    if ("error" in target) throw new Error(target.error);
    expect(target.source?.policySource).toMatchObject({ repository: "acme/values", path: "envs/base" });
    expect(target.source?.status).toMatchObject({ origin: "argocd", path: "envs/base", installationId: 7 });
    expect(target.source?.explanation).toBe(source.explanation);
    expect(asked).toEqual(["acme/values@default", "acme/values@default"]);
  });

  it("says which places it tried when none holds the workload", async () => {
    const { forge } = forges({ "acme/values": makeRepo({ "envs/prod/other.yaml": "a: 1\n" }) });
    const target = await gitTargetFor({
      forge,
      discovery: discovery({
        origin: "flux-kustomization",
        decidedBy: "Flux Kustomization flux-system/apps",
        locations: [location("envs/prod", "Kustomization path")],
        explanation: "",
        warnings: [],
      }),
    })(policy());
    expect(target).toEqual({
      error: expect.stringMatching(
        /^none of the places Flux Kustomization flux-system\/apps reads holds the workload: acme\/values envs\/prod \(Kustomization path\): /,
      ),
    });
  });

  it("passes discovery's reason through, and names the repository the app cannot write", async () => {
    const { forge } = forges({});
    const failing = gitTargetFor({
      forge,
      discovery: discovery("no installation of the costopt GitHub App can write acme/secret"),
    });
    expect(await failing(policy())).toEqual({
      error: "no installation of the costopt GitHub App can write acme/secret",
    });
    const declared = await gitTargetFor({ forge })(policy({ repository: "acme/secret" }));
    expect(declared).toEqual({
      error: "the costopt GitHub App cannot write acme/secret: Not Found; install the app on that repository",
    });
  });

  it("falls back to DEFAULT_REPOSITORY without a cluster, and says what to set without one", async () => {
    const { forge, asked } = forges({ "acme/deploy": makeRepo({ "web.yaml": DEPLOYMENT }) });
    expect("forge" in (await gitTargetFor({ forge, defaultRepository: "acme/deploy" })(policy()))).toBe(true);
    expect(asked).toEqual(["acme/deploy@default"]);
    expect(await gitTargetFor({ forge })(policy())).toEqual({
      error: "no Git repository for shop/web-cost: set spec.source.repository or DEFAULT_REPOSITORY",
    });
  });
});

describe("repositoryInstallation", () => {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const probot = new Probot({ appId: 123, privateKey, Octokit: TestOctokit });
  const repo = parseRepositoryUrl("git@github.com:acme/deploy.git");
  const lookup = repositoryInstallation(probot);
  const installation = () => nock("https://api.github.com").get("/repos/acme/deploy/installation");
  /** GitHub's installation answer with the given id and permissions. */
  const answer = (id: number, permissions: Record<string, string>) => ({
    ...example("installation"),
    id,
    permissions,
  });

  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    expect(nock.pendingMocks()).toEqual([]);
    nock.cleanAll();
  });

  it("finds the installation that may write contents and pull requests", async () => {
    const all = {
      contents: "write",
      pull_requests: "write",
      metadata: "read",
      issues: "write",
      checks: "write",
    };
    installation().reply(200, answer(42, all));
    expect(await lookup(repo)).toEqual({ ok: true, installationId: 42 });
  });

  it("says that an installation which cannot read issues would never hear /costopt commands", async () => {
    // GitHub delivers issue_comment only to apps that may read issues; write covers read.
    installation().reply(200, answer(42, { contents: "write", pull_requests: "write", metadata: "read" }));
    expect(await lookup(repo)).toEqual({
      ok: false,
      reason:
        "the costopt GitHub App installation on acme (id 42) can read acme/deploy but lacks issues read permission: accept the app's requested permissions",
    });
    installation().reply(
      200,
      answer(42, { contents: "write", pull_requests: "write", issues: "write", checks: "write" }),
    );
    expect(await lookup(repo)).toEqual({ ok: true, installationId: 42 });
  });

  it("still proposes without the dashboard's and the cost check's permissions, and says they are missing", async () => {
    installation().reply(
      200,
      answer(42, { contents: "write", pull_requests: "write", metadata: "read", issues: "read" }),
    );
    expect(await lookup(repo)).toEqual({
      ok: true,
      installationId: 42,
      warning:
        "the costopt GitHub App installation on acme lacks issues: write (the cost dashboard), checks: write (the costopt/cost check): accept the app's requested permissions",
    });
  });

  it("says which permission an installation lacks", async () => {
    installation().reply(200, answer(42, { contents: "read", pull_requests: "write", issues: "read" }));
    expect(await lookup(repo)).toEqual({
      ok: false,
      reason:
        "the costopt GitHub App installation on acme (id 42) can read acme/deploy but lacks contents write permission: accept the app's requested permissions",
    });
  });

  it("says which installation is missing", async () => {
    installation().reply(404, { message: "Not Found" });
    expect(await lookup(repo)).toEqual({
      ok: false,
      reason:
        "no installation of the costopt GitHub App can write acme/deploy: install the app on acme with access to deploy",
    });
  });
});

// The GitHub side of `costopt serve`: the Probot app behind the webhook middleware, wired to the
// cluster — a pull request outcome is noted on the policy (annotation; the leader turns it into
// status), a /costopt recheck asks for a reconcile — and the forge for a policy's repository,
// authenticated as the app's installation there. Every octokit is instrumented for /metrics.

import { Probot, ProbotOctokit } from "probot";
import { policyTarget } from "../api/target.js";
import { costoptApp, githubForge, type KeyedPolicyRef, webhookMiddleware } from "../app.js";
import { type ClusterReader, createSourceDiscovery, type InstallationLookup } from "../discovery/index.js";
import { lackingReason, missingExtras, missingPermissions } from "../discovery/installations.js";
import type { Forge } from "../forge/types.js";
import { OPEN_NOW_ANNOTATION, PROPOSE_AGAIN_ANNOTATION } from "../gitops/dashboard/lift.js";
import type { MetadataKey } from "../gitops/metadata.js";
import { annotateOutcome, requestReconcile } from "../kube/outcomes.js";
import type { PolicyStore } from "../kube/policy-store.js";
import type { UsageSource } from "../metrics/types.js";
import type { Store } from "../state/types.js";
import { instrumentOctokit } from "../telemetry/github.js";
import type { Logger } from "../telemetry/logger.js";
import type { Telemetry } from "../telemetry/metrics.js";
import { gitTargetFor } from "./git-target.js";
import type { ForgeFor } from "./gitops-reconciler.js";
import type { WebhookMiddleware } from "./http.js";
import { TtlCache } from "./lookup-cache.js";

export interface GitHubOptions {
  appId: number | string;
  privateKey: string;
  webhookSecret: string;
  /** Signs and checks the metadata blocks of costopt's pull requests. */
  metadataKey: MetadataKey;
  store: Store;
  /** Where outcomes are noted for the leader: the CRs, or the local-mode policies. */
  policies: PolicyStore;
  telemetry: Telemetry;
  log: Logger;
  clusterName?: string;
  defaultRepository?: string;
  /** Reads Argo CD / Flux objects to discover where a workload's manifests live; absent without a cluster. */
  clusterReader?: ClusterReader;
  /** Argo CD control-plane namespaces (discovery). */
  argoNamespaces?: string[];
  /** A push to a default branch or a new installation: look at every policy again (leader only). */
  reevaluateAll: () => void;
  /** Usage for the costopt/cost check on pull requests costopt did not open; no check without it. */
  usage?: UsageSource;
  /** Octokit class override (tests disable retries and throttling). */
  Octokit?: typeof ProbotOctokit;
  baseUrl?: string;
  /** The clock for outcome and command times; tests inject it. */
  now?: () => Date;
}

export interface GitHubWiring {
  probot: Probot;
  webhooks: WebhookMiddleware;
  forgeFor: ForgeFor;
  /** The forge of one repository (owner/name), proposing against `branch` (default: its default branch). */
  forgeForRepository: (repository: string, branch?: string) => Promise<Forge>;
}

export async function createGitHub(o: GitHubOptions): Promise<GitHubWiring> {
  const Base = o.Octokit ?? ProbotOctokit;
  const Octokit = Base.plugin((octokit) => {
    instrumentOctokit(octokit as never, o.telemetry);
    return {};
  }) as typeof ProbotOctokit;
  const probot = new Probot({
    appId: o.appId,
    privateKey: o.privateKey,
    secret: o.webhookSecret,
    Octokit,
    logLevel: "warn",
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
  });
  const now = o.now ?? (() => new Date());
  const policyOf = (ref: KeyedPolicyRef) => o.policies.get(ref.namespace, ref.name);
  const app = costoptApp({
    store: o.store,
    metadataKey: o.metadataKey,
    resolvePolicy: async (ref) => {
      const policy = await policyOf(ref);
      if (!policy) return undefined;
      const discovered = policy.status?.source?.repository;
      return {
        repository:
          policy.spec.source?.repository ??
          (typeof discovered === "string" ? discovered : undefined) ??
          o.defaultRepository,
        workload: { target: policyTarget(policy), source: policy.spec.source },
      };
    },
    onUntrusted: (reason, where) => {
      o.telemetry.untrustedEvents.inc({ reason });
      o.log.warn("ignored a pull request event costopt cannot trust", { reason, ...where });
    },
    clusterName: o.clusterName,
    now,
    onOutcome: async (outcome) => {
      await annotateOutcome(o.policies, outcome.ref, {
        kind: outcome.kind,
        pullRequest: outcome.pullRequest,
        repository: outcome.repository,
        monthlySavings: outcome.monthlySavings,
        ...(outcome.mergeSha ? { mergeSha: outcome.mergeSha } : {}),
        ...(outcome.revertOf !== undefined ? { revertOf: outcome.revertOf } : {}),
        at: now().toISOString(),
      });
    },
    onReevaluate: async (request) => {
      if (request.policy) await requestReconcile(o.policies, request.policy, now());
      else o.reevaluateAll();
    },
    autoApply: async (ref) => (await policyOf(ref))?.spec.autoApply === true,
    onDashboardAction: async (request) => {
      if (request.kind === "recheck-all") return o.reevaluateAll();
      const policy = await policyOf(request.policy);
      if (!policy) return;
      if (request.kind === "again") await o.store.clearSuppressions(request.policy.key);
      // Asks only; the leader's next pass decides what it may do (which gate, if any, to lift).
      const annotation = request.kind === "again" ? PROPOSE_AGAIN_ANNOTATION : OPEN_NOW_ANNOTATION;
      await o.policies.annotate(policy, { [annotation]: now().toISOString() });
      await requestReconcile(o.policies, request.policy, now());
    },
    ...(o.usage ? { costCheck: { usage: o.usage } } : {}),
  });
  const webhooks = await webhookMiddleware(probot, app, { secret: o.webhookSecret });

  // The installation lookup costs a call; the forge (with Probot's self-refreshing token) is reused.
  const forges = new TtlCache<Forge>(10 * 60_000);
  const forgeForRepository = (repository: string, branch?: string) =>
    forges.get(`${repository}@${branch ?? ""}`, () =>
      githubForge(probot, repository, branch ? { branch } : {}),
    );
  const reader = o.clusterReader;
  const discovery = reader
    ? () =>
        createSourceDiscovery({
          reader,
          installations: repositoryInstallation(probot),
          ...(o.defaultRepository ? { defaultSource: { repository: o.defaultRepository } } : {}),
          ...(o.argoNamespaces ? { argoNamespaces: o.argoNamespaces } : {}),
        })
    : undefined;
  const forgeFor = gitTargetFor({
    forge: forgeForRepository,
    ...(discovery ? { discovery } : {}),
    ...(o.defaultRepository ? { defaultRepository: o.defaultRepository } : {}),
  });
  return { probot, webhooks: webhooks as WebhookMiddleware, forgeFor, forgeForRepository };
}

/**
 * Which installation of the app may write a repository: GET /repos/{owner}/{repo}/installation
 * with the app's own token, then the permissions a proposal needs.
 */
export function repositoryInstallation(probot: Probot): InstallationLookup {
  return async (repo) => {
    const app = await probot.auth();
    try {
      const { data } = await app.request("GET /repos/{owner}/{repo}/installation", {
        owner: repo.owner,
        repo: repo.name,
      });
      const permissions = (data.permissions ?? {}) as Record<string, string>;
      const lacking = missingPermissions(permissions);
      if (lacking.length > 0) return { ok: false, reason: lackingReason(repo, data.id, lacking) };
      // The dashboard (issues: write) and the cost check (checks) are extras: proposals work without them.
      const warning = missingExtras(permissions, repo.owner);
      return { ok: true, installationId: data.id, ...(warning ? { warning } : {}) };
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
      return {
        ok: false,
        reason: `no installation of the costopt GitHub App can write ${repo.fullName}: install the app on ${repo.owner} with access to ${repo.name}`,
      };
    }
  };
}

// The Probot app: what costopt does when GitHub tells it something happened.
//   pull_request.closed  merged -> ledger + Applied; a revert merged -> RolledBack; closed by a person -> suppressed
//   issue_comment        `/costopt rollback|recheck|ignore` from people with write access
//   push                 to the default branch -> re-evaluate the policies whose files changed
//   installation         a new installation -> evaluate its repositories
//   pull_request.opened|synchronize  a pull request costopt did not open -> the costopt/cost check
//   issues.edited        a box ticked on the cost dashboard by someone with write access -> act, untick
// Every delivery is handled once (the store remembers delivery ids for 24 h), and every write
// goes through the Forge, which never touches the default branch.

import type { IncomingMessage, ServerResponse } from "node:http";
import { createNodeMiddleware, type Probot } from "probot";
import type { PolicyRef, WorkloadRef } from "./api/refs.js";
import type { PolicySource } from "./api/types.js";
import { GitHubForge } from "./forge/github/index.js";
import type { GitHubOctokit } from "./forge/github/octokit.js";
import { BRANCH_PREFIX, fromBaseRepository, isManifestCandidate } from "./forge/types.js";
import { answerComment } from "./gitops/command-runner.js";
import { mentionsCostopt } from "./gitops/commands.js";
import { type LoadedRepoConfig, repoConfigFromContext } from "./gitops/config.js";
import { runCostCheck } from "./gitops/cost-check/run.js";
import { dashboardMarker, dashboardTitle } from "./gitops/dashboard/render.js";
import { firstLine } from "./gitops/dashboard/sync.js";
import { tickedActions, untick } from "./gitops/dashboard/ticks.js";
import { type MetadataKey, parseMetadata } from "./gitops/metadata.js";
import { type PullRequestOutcome, recordClosed } from "./gitops/outcome.js";
import type { UsageSource } from "./metrics/types.js";
import { resolvePricing } from "./recommend/cost.js";
import type { PricingConfig } from "./recommend/types.js";
import { type SignedBodyLimits, SignedBodyReader } from "./server/signed-body.js";
import { payloadProblem } from "./server/webhook-payload.js";
import type { Store } from "./state/types.js";

/** A policy named by a pull request, with its key: [<cluster>/]<namespace>/<name>. */
export type KeyedPolicyRef = PolicyRef & { key: string };

export interface ReevaluateRequest {
  repository: string;
  reason: "recheck" | "push" | "installation";
  /** .github/costopt.yml as read through context.config (defaults plus warnings when broken). */
  config?: LoadedRepoConfig;
  /** Set for /costopt recheck. */
  policy?: KeyedPolicyRef;
  /** Set for a push: the YAML files that changed on the default branch. */
  paths?: string[];
}

/** What this instance knows of a policy: its workload, and the repository its pull requests live in. */
export interface ResolvedPolicy {
  /** owner/name: spec.source.repository, else the discovered source, else DEFAULT_REPOSITORY. */
  repository: string | undefined;
  workload: { target: WorkloadRef; source?: PolicySource };
}

/** A box a person with write access ticked on the cost dashboard. */
export type DashboardRequest = { repository: string } & (
  | { kind: "open" | "again"; policy: KeyedPolicyRef }
  | { kind: "recheck-all" }
);

/** Why a pull request event was not acted on although it looked like costopt's. */
export type UntrustedReason = "fork" | "unsigned-metadata" | "unknown-policy" | "other-repository";

export interface AppOptions {
  store: Store;
  /** Signs and checks the metadata blocks (a key derived from the app's secret). */
  metadataKey: MetadataKey;
  /** The policy a key names; undefined when this instance does not know it. */
  resolvePolicy: (ref: KeyedPolicyRef) => Promise<ResolvedPolicy | undefined>;
  /** An event ignored because it cannot be trusted (counted in costopt_untrusted_events_total). */
  onUntrusted?: (reason: UntrustedReason, where: { repository: string; pullRequest: number }) => void;
  /** CLUSTER_NAME: this instance only acts on proposals of its own cluster. */
  clusterName?: string;
  now?: () => Date;
  /** A proposal was merged, declined or rolled back: for CR status, Events and metrics. */
  onOutcome?: (outcome: PullRequestOutcome & { ref: KeyedPolicyRef }) => void | Promise<void>;
  /** Policies to look at again (a /costopt recheck, a push, a new installation). */
  onReevaluate?: (request: ReevaluateRequest) => void | Promise<void>;
  /** Whether the policy has autoApply (a command-triggered revert then gets auto-merge too). */
  autoApply?: (policy: KeyedPolicyRef) => boolean | Promise<boolean>;
  /**
   * A dashboard box ticked by someone with write access: "open this pull request now" (the
   * receiver lifts only the gate that held the row back), "propose again", "recheck everything".
   */
  onDashboardAction?: (request: DashboardRequest) => void | Promise<void>;
  /** The costopt/cost check on pull requests costopt did not open; off when absent. */
  costCheck?: { usage: UsageSource; pricing?: PricingConfig; windowSeconds?: number };
}

/** The policy a key names, if it belongs to this cluster. */
export function policyRef(key: string, clusterName?: string): KeyedPolicyRef | undefined {
  const parts = key.split("/");
  const ours = clusterName ? parts.length === 3 && parts[0] === clusterName : parts.length === 2;
  if (!ours) return undefined;
  return { key, namespace: parts[parts.length - 2] as string, name: parts[parts.length - 1] as string };
}

interface RepoPayload {
  repository: { name: string; full_name: string; default_branch: string; owner: { login: string } };
}

interface HandlerContext<P> {
  id: string;
  payload: P;
  octokit: GitHubOctokit;
  config: (file: string) => Promise<unknown>;
  log: { info: (o: unknown, m?: string) => void; warn: (o: unknown, m?: string) => void };
}

export function costoptApp(options: AppOptions) {
  const now = options.now ?? (() => new Date());

  const forgeFor = (context: HandlerContext<RepoPayload>) =>
    new GitHubForge({
      octokit: context.octokit,
      owner: context.payload.repository.owner.login,
      repo: context.payload.repository.name,
      defaultBranch: context.payload.repository.default_branch,
      now: () => now().getTime(),
    });

  /**
   * A pull request costopt may act on: its head branch in the base repository (not a fork), its
   * metadata block costopt's own and for this cluster, its branch the policy's, and the repository
   * the policy's resolved source. Anything else is ignored (and counted, when it looked like ours).
   */
  const trustedPolicy = async (
    where: { repository: string; pullRequest: number; body: string | null; branch: string },
    sameRepository: boolean,
  ) => {
    const untrusted = (reason: UntrustedReason) => {
      options.onUntrusted?.(reason, { repository: where.repository, pullRequest: where.pullRequest });
      return undefined;
    };
    const ours = where.branch.startsWith(BRANCH_PREFIX);
    if (!sameRepository) return ours ? untrusted("fork") : undefined;
    const meta = parseMetadata(where.body, options.metadataKey);
    if (!meta) return ours ? untrusted("unsigned-metadata") : undefined;
    // Another cluster's proposal (a shared repository) is that cluster's business.
    const ref = policyRef(meta.policy, options.clusterName);
    if (!ref || !where.branch.startsWith(`${BRANCH_PREFIX}${meta.policy}`)) return undefined;
    const resolved = await options.resolvePolicy(ref);
    if (!resolved) return untrusted("unknown-policy");
    if (resolved.repository?.toLowerCase() !== where.repository.toLowerCase())
      return untrusted("other-repository");
    return { meta, ref, resolved };
  };

  /** Runs a handler once per delivery id; a failed one is forgotten so GitHub's redelivery works. */
  const once =
    <P>(handler: (context: HandlerContext<P>) => Promise<void>) =>
    async (context: HandlerContext<P>) => {
      if (!(await options.store.markDelivery(context.id))) {
        context.log.info({ delivery: context.id }, "duplicate delivery ignored");
        return;
      }
      try {
        await handler(context);
      } catch (err) {
        await options.store.forgetDelivery(context.id);
        throw err;
      }
    };

  const onClosed = async (
    context: HandlerContext<
      RepoPayload & {
        pull_request: {
          number: number;
          html_url: string;
          body: string | null;
          merged: boolean | null;
          merge_commit_sha: string | null;
          merged_at: string | null;
          head: { ref: string; repo: { full_name: string } | null };
        };
      }
    >,
  ) => {
    const pr = context.payload.pull_request;
    const repository = context.payload.repository.full_name;
    const trusted = await trustedPolicy(
      { repository, pullRequest: pr.number, body: pr.body, branch: pr.head.ref },
      pr.head.repo?.full_name.toLowerCase() === repository.toLowerCase(),
    );
    if (!trusted) return;
    const outcome = await recordClosed(
      {
        number: pr.number,
        url: pr.html_url,
        branch: pr.head.ref,
        body: pr.body,
        merged: pr.merged === true,
        mergeSha: pr.merge_commit_sha,
        mergedAt: pr.merged_at,
      },
      repository,
      options.store,
      now,
      options.metadataKey,
    );
    if (!outcome) return;
    context.log.info({ outcome: outcome.kind, policy: outcome.policy, pr: pr.number }, "proposal closed");
    await options.onOutcome?.({ ...outcome, ref: trusted.ref });
  };

  const onComment = async (
    context: HandlerContext<
      RepoPayload & {
        issue: { number: number; pull_request?: unknown };
        comment: { body: string; user: { login: string; type: string } | null };
      }
    >,
  ) => {
    const { issue, comment } = context.payload;
    // A deleted account's comment has no user: it asks nothing.
    const user = comment.user;
    if (!issue.pull_request || !user || user.type === "Bot" || !mentionsCostopt(comment.body ?? "")) return;
    const forge = forgeFor(context);
    const pr = await forge.pullRequest(issue.number);
    if (!pr) return;
    const repository = context.payload.repository.full_name;
    const trusted = await trustedPolicy(
      { repository, pullRequest: pr.number, body: pr.body, branch: pr.branch },
      fromBaseRepository(forge, pr),
    );
    if (!trusted) return;
    const { meta, ref, resolved } = trusted;
    const reply = await answerComment({
      forge,
      store: options.store,
      now,
      pr,
      meta,
      user: user.login,
      body: comment.body,
      recheck: async () => {
        const config = await repoConfigFromContext(context);
        await options.onReevaluate?.({
          repository: forge.repository,
          reason: "recheck",
          policy: ref,
          config,
        });
      },
      autoMerge: async () => (await options.autoApply?.(ref)) ?? false,
      workload: resolved.workload,
      metadataKey: options.metadataKey,
    });
    if (reply) await forge.comment(pr.number, reply);
  };

  const onPush = async (
    context: HandlerContext<
      RepoPayload & { ref: string; commits: { added?: string[]; modified?: string[]; removed?: string[] }[] }
    >,
  ) => {
    const { repository, ref, commits } = context.payload;
    if (ref !== `refs/heads/${repository.default_branch}`) return;
    const paths = [
      ...new Set(commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])])),
    ].filter(isManifestCandidate);
    if (paths.length === 0) return;
    const config = await repoConfigFromContext(context);
    await options.onReevaluate?.({ repository: repository.full_name, reason: "push", paths, config });
  };

  const onInstalled = async (
    context: HandlerContext<{
      repositories?: { full_name: string }[];
      repositories_added?: { full_name: string }[];
    }>,
  ) => {
    const repos = context.payload.repositories ?? context.payload.repositories_added ?? [];
    for (const r of repos) await options.onReevaluate?.({ repository: r.full_name, reason: "installation" });
  };

  const onPullRequestChanged = async (
    context: HandlerContext<
      RepoPayload & {
        pull_request: {
          number: number;
          head: { ref: string; sha: string; repo: { full_name: string } | null };
          base: { ref: string };
        };
      }
    >,
  ) => {
    const check = options.costCheck;
    if (!check) return;
    const pr = context.payload.pull_request;
    const repository = context.payload.repository.full_name;
    // costopt's own proposals carry their cost in the body already.
    const fromHere = pr.head.repo?.full_name.toLowerCase() === repository.toLowerCase();
    if (fromHere && pr.head.ref.startsWith(BRANCH_PREFIX)) return;
    const forge = new GitHubForge({
      octokit: context.octokit,
      owner: context.payload.repository.owner.login,
      repo: context.payload.repository.name,
      defaultBranch: context.payload.repository.default_branch,
      ...(pr.base.ref !== context.payload.repository.default_branch ? { branch: pr.base.ref } : {}),
      now: () => now().getTime(),
    });
    // The settings are read only once the pull request turns out to touch YAML: a pull request
    // that changes none costs its file list and the check, nothing more.
    let failAbove: number | undefined;
    const verdict = await runCostCheck(
      { number: pr.number, headSha: pr.head.sha },
      {
        checks: forge.checks(),
        forge: {
          remote: forge.remote,
          filesAt: (sha, paths) => forge.filesAt(sha, paths),
          snapshot: async () => {
            failAbove = (await repoConfigFromContext(context)).config.costCheck.failAbove;
            return forge.snapshot();
          },
        },
        usage: check.usage,
        pricing: resolvePricing(check.pricing),
        failAbove: () => failAbove,
        now,
        ...(check.windowSeconds !== undefined ? { windowSeconds: check.windowSeconds } : {}),
      },
    );
    context.log.info({ pr: pr.number, conclusion: verdict.conclusion, title: verdict.title }, "cost check");
  };

  const onIssueEdited = async (
    context: HandlerContext<
      RepoPayload & {
        issue: {
          number: number;
          title: string;
          body: string | null;
          user: { type: string } | null;
          pull_request?: unknown;
        };
        sender: { login: string; type: string };
      }
    >,
  ) => {
    const { issue, sender } = context.payload;
    const cluster = options.clusterName;
    if (issue.pull_request || issue.title !== dashboardTitle(cluster) || issue.user?.type !== "Bot") return;
    const body = issue.body ?? "";
    const ticked = tickedActions(body);
    if (firstLine(body) !== dashboardMarker(cluster) || ticked.length === 0 || sender.type === "Bot") return;
    const forge = forgeFor(context);
    const permission = await forge.permission(sender.login);
    if (permission !== "write" && permission !== "admin") {
      context.log.info({ user: sender.login, permission }, "dashboard tick without write access ignored");
      return;
    }
    const repository = context.payload.repository.full_name;
    for (const action of ticked) {
      if (action.kind === "recheck-all") {
        await options.onDashboardAction?.({ repository, kind: "recheck-all" });
        continue;
      }
      // The box names a policy; only one of this cluster whose proposals live here counts.
      const ref = policyRef(action.policy, options.clusterName);
      const resolved = ref && (await options.resolvePolicy(ref));
      if (!ref || resolved?.repository?.toLowerCase() !== repository.toLowerCase()) continue;
      await options.onDashboardAction?.({ repository, kind: action.kind, policy: ref });
    }
    await forge.dashboard().update(issue.number, { body: untick(body) });
  };

  return (app: Probot) => {
    // Probot's generic context types are huge; each handler states the payload fields it reads.
    const on = (events: string | string[], handler: (context: HandlerContext<never>) => Promise<void>) =>
      app.on(events as never, once(handler) as never);
    on("pull_request.closed", onClosed as never);
    on("issue_comment.created", onComment as never);
    on("push", onPush as never);
    on(["installation.created", "installation_repositories.added"], onInstalled as never);
    on(
      ["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"],
      onPullRequestChanged as never,
    );
    on("issues.edited", onIssueEdited as never);
    app.on("installation.deleted", async (context) => {
      context.log.info({ installation: context.payload.installation.id }, "costopt uninstalled");
    });
  };
}

export type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (err?: Error) => void,
) => unknown;

/**
 * Probot's webhook middleware behind our own signature check, so a forged or unsigned delivery
 * gets 401 (Probot alone answers 400) and never reaches a handler; the check streams with bounded
 * memory (server/signed-body.ts).
 */
export async function webhookMiddleware(
  probot: Probot,
  app: (app: Probot) => void,
  options: { secret: string; path?: string; limits?: Partial<SignedBodyLimits> },
): Promise<NodeMiddleware> {
  const reader = new SignedBodyReader(options.secret, options.limits);
  const inner = await createNodeMiddleware(app, {
    probot,
    webhooksPath: options.path ?? "/api/github/webhooks",
  });
  return async (req, res, next) => {
    if (req.method !== "POST") return inner(req, res, next);
    const body = await reader.read(req, res);
    if (!body) return;
    const text = body.toString("utf8");
    const problem = payloadProblem(String(req.headers["x-github-event"] ?? ""), text);
    if (problem) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: problem }));
      return;
    }
    // Probot reads a string body instead of the (already consumed) stream.
    (req as IncomingMessage & { body?: string }).body = text;
    return inner(req, res, next);
  };
}

/**
 * A GitHub forge for a repository outside any webhook (the control loop, the health-regression
 * rollback): the app's installation on that repository, authenticated as the installation.
 */
export async function githubForge(
  probot: Probot,
  repository: string,
  options: { branch?: string } = {},
): Promise<GitHubForge> {
  const [owner, repo] = repository.split("/");
  if (!owner || !repo) throw new Error(`repository must be owner/name, got ${JSON.stringify(repository)}`);
  const appOctokit = await probot.auth();
  const { data } = await appOctokit.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
  const octokit = await probot.auth(data.id);
  return new GitHubForge({
    octokit,
    owner,
    repo,
    ...(options.branch ? { branch: options.branch } : {}),
  });
}

// Answering a `/costopt <command>` comment on a costopt pull request: unknown commands get the
// list, people without write access a polite no, and the rest run under the policy's lock.

import type { WorkloadRef } from "../api/refs.js";
import type { PolicySource } from "../api/types.js";
import type { Forge, PullRequest } from "../forge/types.js";
import type { Store } from "../state/types.js";
import { code } from "./body/format.js";
import { COMMANDS, type Command, parseCommand } from "./commands.js";
import { withPolicyLock } from "./lock.js";
import type { MetadataKey, ProposalMetadata } from "./metadata.js";
import { requestRollback } from "./rollback.js";

export interface CommentContext {
  forge: Forge;
  store: Store;
  now: () => Date;
  pr: PullRequest;
  /** The PR's metadata block: whose policy, which fingerprint, what it changed. */
  meta: ProposalMetadata;
  user: string;
  body: string;
  /** Asks for a new analysis of the policy (the control loop decides when). */
  recheck: () => Promise<void>;
  /** Whether a revert gets auto-merge (the policy's autoApply). */
  autoMerge: () => Promise<boolean>;
  /** The policy's workload and source (a revert edits only its documents); undefined when unknown. */
  workload: { target: WorkloadRef; source?: PolicySource } | undefined;
  metadataKey: MetadataKey;
}

const BUSY = (user: string) =>
  `@${user}, costopt is working on this policy right now; please try again in a minute.`;

/** The reply to post, or undefined when the action speaks for itself (a close, a conflict comment). */
export async function answerComment(c: CommentContext): Promise<string | undefined> {
  const command = parseCommand(c.body);
  if (!command)
    return `@${c.user}, costopt knows these commands: ${COMMANDS.map((x) => `\`/costopt ${x}\``).join(", ")}.`;
  const permission = await c.forge.permission(c.user);
  if (permission !== "write" && permission !== "admin")
    return `Thanks @${c.user}, but only people with write access to this repository can run costopt commands, so nothing was done.`;
  return run(command, c);
}

async function run(command: Command, c: CommentContext): Promise<string | undefined> {
  const { forge, store, pr, meta, user } = c;
  if (command === "recheck") {
    await c.recheck();
    return `@${user}, costopt is analysing ${code(meta.policy)} again; this pull request is updated if the recommendation changed.`;
  }
  if (command === "ignore") {
    if (pr.state !== "open") return `@${user}, this pull request is already ${pr.state}; nothing to ignore.`;
    const locked = await withPolicyLock(store, meta.policy, async () => {
      await store.suppress(meta.policy, {
        fingerprint: meta.fingerprint,
        proposed: meta.proposed,
        reason: `ignored by @${user} on #${pr.number}`,
        at: c.now().toISOString(),
      });
      await forge.closePullRequest(pr.number, {
        comment: `Ignored by @${user}: costopt will not propose this change again until the recommendation changes materially.`,
        keepBranch: pr.headSha !== meta.head,
      });
    });
    return locked.busy ? BUSY(user) : undefined;
  }
  if (pr.state !== "merged") return `@${user}, \`/costopt rollback\` works once this pull request is merged.`;
  const autoMerge = await c.autoMerge();
  const locked = await withPolicyLock(store, meta.policy, () =>
    requestRollback({
      forge,
      store,
      policy: meta.policy,
      workload: c.workload,
      metadataKey: c.metadataKey,
      pullRequest: pr.number,
      reason: `requested by @${user}`,
      autoMerge,
      interactive: true,
      now: c.now,
    }),
  );
  if (locked.busy) return BUSY(user);
  // A conflict or a refusal has already been explained in its own comment.
  const action = locked.value.action;
  return action === "conflict" || action === "refused" ? undefined : `@${user}, ${locked.value.message}.`;
}

// The hidden metadata block at the end of every PR body: base64 JSON in an HTML comment. It is the
// durable copy of a proposal — its fingerprint and the original value of every field it changes —
// so a lost Redis never duplicates a PR or makes a rollback impossible.

import type { FieldChange } from "../state/types.js";

export interface ProposalMetadata {
  v: 1;
  kind: "proposal" | "revert";
  /** Policy key (see identity.ts). */
  policy: string;
  fingerprint: string;
  /** Default-branch commit the proposal's single commit sits on. */
  base: string;
  /** The commit costopt pushed; a different branch head means someone else pushed. */
  head: string;
  fields: FieldChange[];
  /** Files the change creates whole (a revert deletes them). */
  createdFiles: string[];
  /** Proposed values by "container/resource", to judge whether a later change is material. */
  proposed: Record<string, number | string>;
  monthlySavings: number;
  /** For a revert: the pull request it reverts. */
  revertOf?: number;
  /** Set once we have commented about a person's push to this head, so we comment only once. */
  humanPushSeen?: string;
  /** Set when costopt itself closed the PR (recommendation gone): not a person declining it. */
  closedBy?: "costopt";
  /** Set on a merged proposal once its revert was opened: the change was declined after all. */
  rolledBack?: number;
  /** The revert conflicts last explained on this PR, so an automatic retry does not repeat them. */
  conflictNoted?: string;
}

const BLOCK = /<!--\s*costopt:metadata\s+([A-Za-z0-9+/=]+)\s*-->/;

export function renderMetadata(meta: ProposalMetadata): string {
  return `<!-- costopt:metadata ${Buffer.from(JSON.stringify(meta), "utf8").toString("base64")} -->`;
}

/** The metadata of a PR body, or undefined when there is none or it is not ours to trust. */
export function parseMetadata(body: string | null | undefined): ProposalMetadata | undefined {
  const m = BLOCK.exec(body ?? "");
  if (!m) return undefined;
  try {
    const meta = JSON.parse(Buffer.from(m[1] as string, "base64").toString("utf8")) as ProposalMetadata;
    const ok =
      meta?.v === 1 &&
      typeof meta.policy === "string" &&
      typeof meta.fingerprint === "string" &&
      typeof meta.head === "string" &&
      Array.isArray(meta.fields) &&
      meta.fields.every((f) => typeof f?.path === "string" && typeof f.pointer === "string");
    return ok ? { ...meta, createdFiles: meta.createdFiles ?? [], proposed: meta.proposed ?? {} } : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces the metadata block of a body (or appends one). */
export function withMetadata(body: string, meta: ProposalMetadata): string {
  const block = renderMetadata(meta);
  return BLOCK.test(body) ? body.replace(BLOCK, block) : `${body.trimEnd()}\n\n${block}\n`;
}

// The hidden metadata block at the end of every PR body: base64 JSON in an HTML comment, followed by
// an HMAC of it. It is the durable copy of a proposal — its fingerprint and the original value of
// every field it changes — so a lost Redis never duplicates a PR or makes a rollback impossible.
// Anyone who can edit a PR description can edit the block, so it is authenticated with a key
// derived from the app's secret, and only costopt's own block at its fixed place (the very end of
// the body) is read: a block a file name, a container name or a person wrote further up is text.

import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
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

/** The key metadata blocks are signed with; derived, so the app's secret itself signs nothing. */
export class MetadataKey {
  readonly #key: Buffer;

  constructor(secret: string | Buffer) {
    if (secret.length === 0) throw new Error("the metadata key needs a non-empty secret");
    this.#key = Buffer.from(hkdfSync("sha256", secret, "costopt", "costopt pull request metadata v1", 32));
  }

  sign(payload: string): string {
    return createHmac("sha256", this.#key).update(payload).digest("hex");
  }

  verify(payload: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(payload), "hex");
    const given = Buffer.from(signature, "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  // Never printed, not even by util.inspect.
  toJSON(): string {
    return "[MetadataKey]";
  }
}

// Anchored at the end of the body: GitHub may turn "\n" into "\r\n" when someone edits the text.
const LAST_BLOCK = /<!-- costopt:metadata ([A-Za-z0-9+/=]+) ([0-9a-f]{64}) -->\s*$/;
// Any block, to replace ours in place (older unsigned blocks included).
const ANY_BLOCK = /\s*<!--\s*costopt:metadata\s[^>]*-->\s*$/;

export function renderMetadata(meta: ProposalMetadata, key: MetadataKey): string {
  const payload = Buffer.from(JSON.stringify(meta), "utf8").toString("base64");
  return `<!-- costopt:metadata ${payload} ${key.sign(payload)} -->`;
}

function wellFormed(meta: ProposalMetadata): boolean {
  return (
    meta?.v === 1 &&
    (meta.kind === "proposal" || meta.kind === "revert") &&
    typeof meta.policy === "string" &&
    typeof meta.fingerprint === "string" &&
    typeof meta.base === "string" &&
    typeof meta.head === "string" &&
    Array.isArray(meta.fields) &&
    meta.fields.every(
      (f) => typeof f?.path === "string" && typeof f.pointer === "string" && Number.isInteger(f.document),
    )
  );
}

/** The metadata of a PR body, or undefined when there is none or it is not costopt's own. */
export function parseMetadata(
  body: string | null | undefined,
  key: MetadataKey,
): ProposalMetadata | undefined {
  const m = LAST_BLOCK.exec(body ?? "");
  if (!m || !key.verify(m[1] as string, m[2] as string)) return undefined;
  try {
    const meta = JSON.parse(Buffer.from(m[1] as string, "base64").toString("utf8")) as ProposalMetadata;
    return wellFormed(meta)
      ? { ...meta, createdFiles: meta.createdFiles ?? [], proposed: meta.proposed ?? {} }
      : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces the metadata block at the end of a body (or appends one). */
export function withMetadata(body: string, meta: ProposalMetadata, key: MetadataKey): string {
  return `${body.replace(ANY_BLOCK, "").trimEnd()}\n\n${renderMetadata(meta, key)}\n`;
}

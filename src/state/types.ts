// The state costopt keeps between reconciles and webhook deliveries. Everything here is a cache or
// a coordination aid: the durable copy of a proposal (fingerprint, originals) lives in the pull
// request's metadata block, so losing the store never duplicates a PR or loses a rollback.

/** One field a merged proposal changed, with the value it had before (for rollback by revert). */
export interface FieldChange {
  path: string;
  /** Index of the YAML document inside the file. */
  document: number;
  /** JSON Pointer into the document. */
  pointer: string;
  /** Value before the change; undefined when the change added the field. */
  before?: unknown;
  /** Value the change wrote; undefined when the change removed the field. */
  after?: unknown;
}

/** A merged proposal as the ledger remembers it. */
export interface LedgerEntry {
  /** Policy key: <namespace>/<name> (with the cluster in front when configured). */
  policy: string;
  repository: string;
  pullRequest: number;
  mergeSha: string;
  fingerprint: string;
  mergedAt: string;
  /** Whole files created by the change (e.g. a KEDA ScaledObject); a revert deletes them. */
  createdFiles?: string[];
  fields: FieldChange[];
  monthlySavings?: number;
}

/** A merged change's saving, counted in the calendar month (UTC) it was merged in. */
export interface MergedSaving {
  /** Policy key: [<cluster>/]<namespace>/<name>. */
  policy: string;
  pullRequest: number;
  mergedAt: string;
  monthlySavings: number;
}

/** A fingerprint a person declined (closed unmerged or /costopt ignore), with what it proposed. */
export interface Suppression {
  fingerprint: string;
  /** Proposed values by field ("container/resource" -> number), to judge a material change. */
  proposed: Record<string, number | string>;
  reason: string;
  at: string;
}

export interface Store {
  /**
   * Records a webhook delivery id; true only for the first caller within the TTL (24 h by default).
   * Atomic: concurrent calls with the same id see exactly one true.
   */
  markDelivery(id: string, ttlSeconds?: number): Promise<boolean>;
  /** Forgets a delivery whose handling failed, so GitHub's redelivery is processed. */
  forgetDelivery(id: string): Promise<void>;

  /** Takes a lock; resolves to a token on success, undefined when someone else holds it. */
  acquireLock(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases a lock only when the token still owns it (an expired lock taken over is left alone). */
  releaseLock(key: string, token: string): Promise<boolean>;

  suppress(policy: string, suppression: Suppression): Promise<void>;
  suppressions(policy: string): Promise<Suppression[]>;
  clearSuppressions(policy: string): Promise<void>;

  /** Adds a merged change to the ledger (kept 7 days by default). */
  recordApplied(entry: LedgerEntry, ttlSeconds?: number): Promise<void>;
  /** Ledger entries of a policy, newest first. */
  applied(policy: string): Promise<LedgerEntry[]>;
  /** Removes one entry (after its revert was merged). */
  forgetApplied(policy: string, pullRequest: number): Promise<void>;

  /**
   * Counts a merged change's saving toward its repository's month ("2026-11", the UTC month of
   * mergedAt); kept a little over a month, so a merge on the 1st still counts on the 31st.
   * Recording the same policy and pull request again replaces it.
   */
  recordMergedSaving(repository: string, saving: MergedSaving): Promise<void>;
  /** The savings merged into a repository in one month ("2026-11"). */
  mergedSavings(repository: string, month: string): Promise<MergedSaving[]>;
  /** Stops counting one merged change (its revert was merged). */
  forgetMergedSaving(repository: string, month: string, policy: string, pullRequest: number): Promise<void>;

  /** Adds one event to a sliding window and returns how many fall in the last windowSeconds. */
  countEvent(key: string, windowSeconds: number, nowMs: number): Promise<number>;
  /** How many events fall in the last windowSeconds, without adding one. */
  countEvents(key: string, windowSeconds: number, nowMs: number): Promise<number>;

  /** Usage checkpoints (src/metrics/checkpoint.ts) by key, undefined where there is none. */
  usageCheckpoints(keys: string[]): Promise<(Buffer | undefined)[]>;
  /** Writes usage checkpoints, each expiring ttlSeconds from now. */
  putUsageCheckpoints(entries: [string, Buffer][], ttlSeconds: number): Promise<void>;

  close(): Promise<void>;
}

export const DELIVERY_TTL_SECONDS = 24 * 3600;
export const LEDGER_TTL_SECONDS = 7 * 24 * 3600;
/** A month's merged savings: the longest month plus a few days, so no month's record expires early. */
export const MONTH_RECORD_TTL_SECONDS = 35 * 24 * 3600;

/** "2026-11": the calendar month (UTC) of an instant, the key merged savings are counted under. */
export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}
/** Suppressions outlive the ledger: a declined change stays declined until it changes materially. */
export const SUPPRESSION_TTL_SECONDS = 90 * 24 * 3600;

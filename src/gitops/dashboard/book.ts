// The dashboards of `costopt serve`, where policies are reconciled one by one from a work queue
// rather than in one pass per repository: the latest result of each policy is kept per repository,
// and the repository's dashboard is synced once its results have stopped arriving for a quiet
// period (the end of a resync or a push's burst), so a pass over many policies edits it once.

import type { Forge } from "../../forge/types.js";
import type { ReconcileResult } from "../../reconcile.js";
import type { Store } from "../../state/types.js";
import { parseRepoConfig, REPO_CONFIG_PATH } from "../config.js";
import { updateDashboard } from "./index.js";

export interface DashboardBookOptions {
  store: Pick<Store, "mergedSavings">;
  now: () => Date;
  /** How long a repository's results must stop arriving before its dashboard is synced. */
  quietMs: number;
  /** CLUSTER_NAME: this cluster's own dashboard in a shared repository. */
  cluster?: string;
  /** Whether a policy's post-merge health watch runs now (the leader's health monitor). */
  watching?: (policy: string) => boolean;
  /** Runs fn after ms, replacing what was scheduled under the same key (tests run it by hand). */
  schedule?: (key: string, fn: () => void, ms: number) => void;
  onError?: (repository: string, err: unknown) => void;
}

export class DashboardBook {
  private readonly results = new Map<string, Map<string, ReconcileResult>>();
  private readonly forges = new Map<
    string,
    Pick<Forge, "repository" | "dashboard" | "snapshot" | "lastSnapshot">
  >();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly o: DashboardBookOptions) {}

  record(
    forge: Pick<Forge, "repository" | "dashboard" | "snapshot" | "lastSnapshot">,
    result: ReconcileResult,
  ): void {
    if (!forge.dashboard || result.busy || result.rateLimited) return;
    const repo = forge.repository;
    const mine = this.results.get(repo) ?? new Map<string, ReconcileResult>();
    mine.set(result.policy, result);
    this.results.set(repo, mine);
    this.forges.set(repo, forge);
    this.syncLater(repo);
  }

  /** Drops a deleted policy's row, and syncs its repository's dashboard without it. */
  forget(policy: string): void {
    for (const [repo, mine] of this.results) if (mine.delete(policy)) this.syncLater(repo);
  }

  /** Syncs the repository's dashboard once its results have been quiet for quietMs. */
  private syncLater(repo: string): void {
    const run = () => {
      this.flush(repo).catch((err: unknown) => this.o.onError?.(repo, err));
    };
    if (this.o.schedule) {
      this.o.schedule(repo, run, this.o.quietMs);
      return;
    }
    clearTimeout(this.timers.get(repo));
    const timer = setTimeout(run, this.o.quietMs);
    timer.unref();
    this.timers.set(repo, timer);
  }

  /** Syncs one repository's dashboard from the latest result of each of its policies. */
  async flush(repository: string): Promise<string> {
    const forge = this.forges.get(repository);
    const results = [...(this.results.get(repository)?.values() ?? [])];
    if (!forge) return "off";
    // The settings are the ones the passes just read: the forge keeps their snapshot, so syncing
    // costs no read of its own (the dashboard issues rode on the same head query).
    const snapshot = forge.lastSnapshot?.() ?? (await forge.snapshot());
    const config = parseRepoConfig(snapshot.files.find((f) => f.path === REPO_CONFIG_PATH)?.content).config;
    return updateDashboard(forge, results, {
      store: this.o.store,
      now: this.o.now,
      config,
      ...(this.o.cluster ? { cluster: this.o.cluster } : {}),
      ...(this.o.watching ? { watching: this.o.watching } : {}),
    });
  }

  stop(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

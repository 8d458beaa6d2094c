// Which repository, branch and files a policy's pull requests go to, and the forge that writes
// there. In order: the policy's spec.source.repository; else what Argo CD or Flux says deploys the
// workload (src/discovery), trying each place the tool reads until the locator finds the
// workload; else DEFAULT_REPOSITORY. The result carries the reason, for status and the PR body.

import { policyTarget } from "../api/target.js";
import type { CostOptimization } from "../api/types.js";
import {
  firstLocationThatHolds,
  type SourceDiscovery,
  statusSource,
  toPolicySource,
} from "../discovery/index.js";
import type { Forge } from "../forge/types.js";
import { locateWorkload } from "../manifests/index.js";
import { type GitSource, snapshotIndex } from "../reconcile.js";

export interface GitTarget {
  forge: Forge;
  /** Set when discovery chose the source; reconcile then uses it instead of spec.source. */
  source?: GitSource;
}

export type GitTargetFor = (policy: CostOptimization) => Promise<GitTarget | { error: string }>;

export interface GitTargetOptions {
  /** The forge of owner/name whose pull requests target `branch` (the default branch when absent). */
  forge: (repository: string, branch?: string) => Promise<Forge>;
  /** A fresh discovery per call: its lookups are cached for one pass, not longer. */
  discovery?: () => SourceDiscovery;
  defaultRepository?: string;
}

export function gitTargetFor(o: GitTargetOptions): GitTargetFor {
  const forge = async (repository: string, branch?: string) => {
    try {
      return await o.forge(repository, branch);
    } catch (err) {
      return {
        error: `the costopt GitHub App cannot write ${repository}: ${(err as Error).message}; install the app on that repository`,
      };
    }
  };
  return async (policy) => {
    const declared = policy.spec.source;
    if (declared?.repository) {
      const f = await forge(declared.repository, declared.branch);
      return "error" in f ? f : { forge: f };
    }
    if (o.discovery) return discovered(policy, o.discovery(), forge);
    if (o.defaultRepository) {
      const f = await forge(o.defaultRepository);
      return "error" in f ? f : { forge: f };
    }
    return {
      error: `no Git repository for ${policy.metadata.namespace}/${policy.metadata.name}: set spec.source.repository or DEFAULT_REPOSITORY`,
    };
  };
}

async function discovered(
  policy: CostOptimization,
  discovery: SourceDiscovery,
  forge: (repository: string, branch?: string) => Promise<Forge | { error: string }>,
): Promise<GitTarget | { error: string }> {
  const resolved = await discovery.resolve(policy);
  if (!resolved.ok) return { error: resolved.reason };
  const ref = policyTarget(policy);
  const chosen = await firstLocationThatHolds(resolved.source, async (location) => {
    const policySource = toPolicySource(location);
    const f = await forge(location.repository.fullName, policySource.branch);
    if ("error" in f) return { ok: false as const, reason: f.error };
    const snapshot = await f.snapshot();
    const index = snapshotIndex(snapshot, f.remote);
    const located = locateWorkload(index, ref, policySource);
    return located.ok ? { ok: true as const, forge: f, policySource } : located;
  });
  if (!chosen.ok) return { error: chosen.reason };
  const s = resolved.source;
  return {
    forge: chosen.value.forge,
    source: {
      policySource: chosen.value.policySource,
      explanation: s.explanation,
      warnings: s.warnings,
      status: statusSource(s, chosen.location),
    },
  };
}

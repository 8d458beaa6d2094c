// The starting point of every recommendation: the workload as written, each container matched
// to its usage, and whether there is enough data to say anything at all.

import type { ContainerUsage, WorkloadUsage } from "../metrics/types.js";
import type { Proposal } from "./strategies/types.js";
import type {
  ContainerEvidence,
  ContainerRecommendation,
  ReplicaChange,
  WorkloadEvidence,
  WorkloadState,
} from "./types.js";

export interface DataSettings {
  /** Fewest CPU samples a container needs before its usage is trusted at all. Default 12 (one hour at 5-minute steps). */
  minSamples: number;
}

export const DEFAULT_DATA_SETTINGS: DataSettings = { minSamples: 12 };

/** The draft every strategy starts from: proposed = current everywhere. */
export function baseProposal(
  workload: WorkloadState,
  usage: WorkloadUsage | undefined,
  s: DataSettings,
  containerMapping: Record<string, string> = {},
): Proposal {
  const containers = workload.containers.map((c): ContainerRecommendation => {
    const used = usage?.containers.find((u) => (containerMapping[u.container] ?? u.container) === c.name);
    const notes: string[] = [];
    let evidence: ContainerEvidence | undefined;
    if (!used) notes.push("no usage data for this container");
    else if (used.samples < s.minSamples)
      notes.push(`only ${used.samples} sample(s), fewer than the ${s.minSamples} needed`);
    else if (!finiteStats(used)) notes.push("usage statistics are not finite numbers (NaN or Inf); ignored");
    else evidence = toEvidence(used);
    return { name: c.name, current: { ...c.resources }, proposed: { ...c.resources }, evidence, notes };
  });
  // The source's caveats (e.g. pods matched by name because owner series were missing) belong in front of a reviewer.
  const notes = [...(usage?.notes ?? [])];
  if (usage?.ownership === "name-pattern")
    notes.push("pods were matched to the workload by name, not by owner series");
  return { containers, replicas: baseReplicas(workload, usage), appliedTypes: [], notes, loadFactor: 1 };
}

// A NaN that slipped through a source would otherwise become a NaN request in a pull request.
function finiteStats(u: ContainerUsage): boolean {
  return [...Object.values(u.cpu), ...Object.values(u.memory)].every((v) => Number.isFinite(v) && v >= 0);
}

function toEvidence(u: ContainerUsage): ContainerEvidence {
  return {
    cpu: { ...u.cpu },
    memory: { ...u.memory },
    samples: u.samples,
    coverage: u.coverage,
    oomKills: u.oomKills,
    restarts: u.restarts,
    firstSample: u.firstSample,
    lastSample: u.lastSample,
  };
}

function baseReplicas(workload: WorkloadState, usage: WorkloadUsage | undefined): ReplicaChange | undefined {
  // A DaemonSet runs one pod per node; a CronJob's pods come and go with its Jobs.
  if (workload.ref.kind === "DaemonSet" || workload.ref.kind === "CronJob") return undefined;
  const hpa = workload.hpa ?? usage?.hpa;
  if (hpa) {
    // Kubernetes defaults an HPA's minReplicas to 1.
    const min = hpa.minReplicas ?? 1;
    return { current: min, proposed: min, field: "hpa.minReplicas", hpaName: hpa.name };
  }
  // An unset spec.replicas means 1.
  const n = workload.replicas ?? 1;
  return { current: n, proposed: n, field: "spec.replicas" };
}

/** Why nothing can be recommended, or undefined when there is data to work with. */
export function notEnoughDataReason(usage: WorkloadUsage | undefined, draft: Proposal): string | undefined {
  if (!usage || usage.containers.length === 0)
    return "not enough data: no usage for this workload in the window";
  if (draft.containers.every((c) => !c.evidence)) {
    const live = usage.containers.map((c) => c.container);
    const named = draft.containers.map((c) => c.name);
    // A name mismatch looks like missing data; say which names differ so it can be mapped.
    if (!named.some((n) => live.includes(n)))
      return `not enough data: the usage has containers ${live.join(", ")} but the manifests name ${named.join(", ")} (map them with spec.source.containerMapping)`;
    return "not enough data: no container has enough samples in the window";
  }
  return undefined;
}

export function workloadEvidence(
  usage: WorkloadUsage | undefined,
  draft: Proposal,
  source: string | undefined,
  now: Date,
): WorkloadEvidence {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const window = usage?.window ?? { start: nowSeconds, end: nowSeconds };
  return {
    source,
    window: { ...window },
    stepSeconds: usage?.stepSeconds ?? 0,
    historySeconds: historySeconds(draft),
  };
}

/** From the earliest first sample to the latest last sample of the containers used. */
function historySeconds(draft: Proposal): number {
  const first = draft.containers.flatMap((c) =>
    c.evidence?.firstSample === undefined ? [] : [c.evidence.firstSample],
  );
  const last = draft.containers.flatMap((c) =>
    c.evidence?.lastSample === undefined ? [] : [c.evidence.lastSample],
  );
  if (first.length === 0 || last.length === 0) return 0;
  return Math.max(0, Math.max(...last) - Math.min(...first));
}

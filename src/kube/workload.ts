// Reading a workload's live state (never writing it): whether its rollout finished, whether
// its pod template carries given values, and a health sample of its pods.

import type {
  V1CronJob,
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1PodSpec,
  V1StatefulSet,
} from "@kubernetes/client-node";
import { parseCpu, parseMemory } from "../api/quantity.js";
import type { WorkloadRef } from "../api/refs.js";
import type { ResourceChange } from "../api/types.js";
import type { ThrottlingSource } from "../metrics/throttling.js";
import type { TypedReader } from "./client.js";

/** A live workload as client-node models it, its kind telling which. */
export type Workload =
  | (V1Deployment & { kind: "Deployment" })
  | (V1StatefulSet & { kind: "StatefulSet" })
  | (V1DaemonSet & { kind: "DaemonSet" })
  | (V1CronJob & { kind: "CronJob" });

export async function getWorkload(kube: TypedReader, ref: WorkloadRef): Promise<Workload | undefined> {
  // read() sets kind to the kind asked for.
  return (await kube.read(ref.kind, ref.namespace, ref.name)) as Workload | undefined;
}

/** The controller has observed the latest spec and every replica runs it and is available. */
export function rolloutComplete(w: Workload): boolean {
  // A CronJob has nothing to roll out: its next Job is created from the new template.
  if (w.kind === "CronJob") return true;
  if ((w.status?.observedGeneration ?? 0) < (w.metadata?.generation ?? 0)) return false;
  if (w.kind === "DaemonSet") {
    const st = w.status;
    const desired = st?.desiredNumberScheduled ?? 0;
    return (st?.updatedNumberScheduled ?? 0) === desired && (st?.numberAvailable ?? 0) === desired;
  }
  const desired = w.spec?.replicas ?? 1;
  if (w.kind === "StatefulSet") {
    const st = w.status;
    return (
      (st?.readyReplicas ?? 0) === desired &&
      (st?.updatedReplicas ?? 0) === desired &&
      (st?.updateRevision === undefined || st.updateRevision === st.currentRevision)
    );
  }
  const st = w.status;
  return (
    (st?.updatedReplicas ?? 0) === desired &&
    (st?.replicas ?? 0) === desired &&
    (st?.availableReplicas ?? 0) === desired
  );
}

/** The pod template's spec; a CronJob's sits inside its Job template. */
function podSpecOf(w: Workload): V1PodSpec | undefined {
  return w.kind === "CronJob" ? w.spec?.jobTemplate?.spec?.template?.spec : w.spec?.template?.spec;
}

/** spec.replicas where the kind has one (absent means 1), else undefined. */
function replicasOf(w: Workload): number | undefined {
  return w.kind === "Deployment" || w.kind === "StatefulSet" ? (w.spec?.replicas ?? 1) : undefined;
}

const RESOURCE_FIELD: Record<string, ["requests" | "limits", string, (v: string) => number]> = {
  cpuRequest: ["requests", "cpu", parseCpu],
  cpuLimit: ["limits", "cpu", parseCpu],
  memoryRequest: ["requests", "memory", parseMemory],
  memoryLimit: ["limits", "memory", parseMemory],
};

/**
 * Where the live workload differs from each change's `current` (originals) or `proposed`
 * values, as readable lines. Quantities compare numerically ("0.5" equals "500m").
 * Placement and schedule changes are not visible in the pod template and are skipped.
 */
export function specMismatches(
  w: Workload,
  changes: ResourceChange[],
  which: "current" | "proposed",
): string[] {
  const out: string[] = [];
  const containers = podSpecOf(w)?.containers ?? [];
  for (const c of changes) {
    const want = c[which];
    if (c.resource === "replicas") {
      const live = replicasOf(w) ?? 1;
      if (String(live) !== String(want)) out.push(`replicas: live ${live}, expected ${want}`);
      continue;
    }
    const field = RESOURCE_FIELD[c.resource];
    if (!field) continue;
    const [section, name, parse] = field;
    const container = containers.find((x) => x.name === c.container);
    const raw = container?.resources?.[section]?.[name];
    const same = (() => {
      if (raw === undefined || raw === null) return want === "" || want === "none";
      try {
        return parse(String(raw)) === parse(want);
      } catch {
        return false;
      }
    })();
    if (!same) out.push(`${c.container} ${section}.${name}: live ${raw ?? "unset"}, expected ${want}`);
  }
  return out;
}

export interface HealthSample {
  rolloutComplete: boolean;
  /** Every desired replica is ready. */
  ready: boolean;
  /** Sum of restartCount over the workload's containers. */
  restarts: number;
  /** Containers whose last termination was an OOM kill. */
  oomKills: number;
  /** CPU throttling ratio 0..1 (throttled periods / periods), when a source is configured. */
  throttling?: number;
}

export type { ThrottlingSource };

/**
 * The workload's pod selector as a label-selector query: matchLabels and matchExpressions
 * (In, NotIn, Exists, DoesNotExist), as the API server reads them. undefined when it has none
 * (a CronJob: its pods belong to Jobs).
 */
export function selectorQuery(selector: V1LabelSelector | undefined): string | undefined {
  const terms = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of selector?.matchExpressions ?? []) {
    const values = `(${(e.values ?? []).join(",")})`;
    if (e.operator === "In") terms.push(`${e.key} in ${values}`);
    else if (e.operator === "NotIn") terms.push(`${e.key} notin ${values}`);
    else if (e.operator === "Exists") terms.push(e.key);
    else if (e.operator === "DoesNotExist") terms.push(`!${e.key}`);
  }
  return terms.length ? terms.join(",") : undefined;
}

export async function sampleHealth(
  kube: TypedReader,
  ref: WorkloadRef,
  w: Workload,
  throttling?: ThrottlingSource,
  windowSeconds = 300,
): Promise<HealthSample> {
  const selector = w.kind === "CronJob" ? undefined : selectorQuery(w.spec?.selector);
  const pods = selector ? await kube.listOf("Pod", ref.namespace, selector) : [];
  let restarts = 0;
  let oomKills = 0;
  for (const pod of pods) {
    for (const cs of pod.status?.containerStatuses ?? []) {
      restarts += cs.restartCount;
      if (cs.lastState?.terminated?.reason === "OOMKilled") oomKills++;
    }
  }
  const desired = w.kind === "DaemonSet" ? (w.status?.desiredNumberScheduled ?? 0) : (replicasOf(w) ?? 1);
  const readyNow =
    w.kind === "DaemonSet"
      ? (w.status?.numberReady ?? 0)
      : w.kind === "CronJob"
        ? desired
        : (w.status?.readyReplicas ?? 0);
  const sample: HealthSample = {
    rolloutComplete: rolloutComplete(w),
    ready: readyNow >= desired,
    restarts,
    oomKills,
  };
  const ratio = await throttling?.throttlingRatio(ref, windowSeconds);
  if (ratio !== undefined) sample.throttling = ratio;
  return sample;
}

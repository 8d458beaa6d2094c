// Reading a workload's live state (never writing it): whether its rollout finished, whether
// its pod template carries given values, and a health sample of its pods.

import { parseCpu, parseMemory } from "../api/quantity.js";
import type { WorkloadRef } from "../api/refs.js";
import type { ResourceChange, WorkloadKind } from "../api/types.js";
import type { ThrottlingSource } from "../metrics/throttling.js";
import type { KubeClient, KubeObject } from "./client.js";
import { PODS, WORKLOADS } from "./resources.js";

type Obj = Record<string, unknown>;
export type Workload = KubeObject & { spec?: Obj; status?: Obj };

const num = (v: unknown): number => (typeof v === "number" ? v : 0);

export function getWorkload(kube: KubeClient, ref: WorkloadRef): Promise<Workload | undefined> {
  return kube.get<Workload>(WORKLOADS[ref.kind], ref.namespace, ref.name);
}

/** The controller has observed the latest spec and every replica runs it and is available. */
export function rolloutComplete(kind: WorkloadKind, w: Workload): boolean {
  // A CronJob has nothing to roll out: its next Job is created from the new template.
  if (kind === "CronJob") return true;
  const spec = w.spec ?? {};
  const st = w.status ?? {};
  if (num(st.observedGeneration) < (w.metadata.generation ?? 0)) return false;
  if (kind === "DaemonSet") {
    const desired = num(st.desiredNumberScheduled);
    return num(st.updatedNumberScheduled) === desired && num(st.numberAvailable) === desired;
  }
  const desired = typeof spec.replicas === "number" ? spec.replicas : 1;
  if (kind === "StatefulSet") {
    return (
      num(st.readyReplicas) === desired &&
      num(st.updatedReplicas) === desired &&
      (st.updateRevision === undefined || st.updateRevision === st.currentRevision)
    );
  }
  return (
    num(st.updatedReplicas) === desired &&
    num(st.replicas) === desired &&
    num(st.availableReplicas) === desired
  );
}

const RESOURCE_FIELD: Record<string, [string, string, (v: string) => number]> = {
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
  // A CronJob's pod template sits inside its Job template.
  const spec = (w.kind === "CronJob" ? (w.spec?.jobTemplate as Obj | undefined)?.spec : w.spec) as
    | Obj
    | undefined;
  const template = ((spec?.template as Obj | undefined)?.spec ?? {}) as Obj;
  const containers = (template.containers ?? []) as Obj[];
  for (const c of changes) {
    const want = c[which];
    if (c.resource === "replicas") {
      const live = typeof w.spec?.replicas === "number" ? w.spec.replicas : 1;
      if (String(live) !== String(want)) out.push(`replicas: live ${live}, expected ${want}`);
      continue;
    }
    const field = RESOURCE_FIELD[c.resource];
    if (!field) continue;
    const [section, name, parse] = field;
    const container = containers.find((x) => x.name === c.container);
    const resources = (container?.resources ?? {}) as Obj;
    const raw = (resources[section] as Obj | undefined)?.[name];
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

function selectorOf(w: Workload): string | undefined {
  const labels = ((w.spec?.selector as Obj | undefined)?.matchLabels ?? undefined) as
    | Record<string, string>
    | undefined;
  if (!labels || !Object.keys(labels).length) return undefined;
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export async function sampleHealth(
  kube: KubeClient,
  ref: WorkloadRef,
  w: Workload,
  throttling?: ThrottlingSource,
  windowSeconds = 300,
): Promise<HealthSample> {
  const selector = selectorOf(w);
  const pods = selector
    ? (await kube.list<KubeObject & { status?: Obj }>(PODS, ref.namespace, selector)).items
    : [];
  let restarts = 0;
  let oomKills = 0;
  for (const pod of pods) {
    for (const cs of ((pod.status?.containerStatuses ?? []) as Obj[]) ?? []) {
      restarts += num(cs.restartCount);
      const last = (cs.lastState as Obj | undefined)?.terminated as Obj | undefined;
      if (last?.reason === "OOMKilled") oomKills++;
    }
  }
  const st = w.status ?? {};
  const desired =
    ref.kind === "DaemonSet"
      ? num(st.desiredNumberScheduled)
      : typeof w.spec?.replicas === "number"
        ? w.spec.replicas
        : 1;
  const readyNow = ref.kind === "DaemonSet" ? num(st.numberReady) : num(st.readyReplicas);
  const sample: HealthSample = {
    rolloutComplete: rolloutComplete(ref.kind, w),
    ready: readyNow >= desired,
    restarts,
    oomKills,
  };
  const ratio = await throttling?.throttlingRatio(ref, windowSeconds);
  if (ratio !== undefined) sample.throttling = ratio;
  return sample;
}

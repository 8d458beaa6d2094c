// The bridge between the manifests module and the recommender: a located workload becomes the
// WorkloadState the recommender reads, and a Recommendation becomes the Desired values the
// manifests module plans edits for.

import { stringify } from "yaml";
import type { WorkloadRef } from "../api/refs.js";
import type { Desired, DesiredContainer, Located, RepoIndex } from "../manifests/index.js";
import type {
  PdbState,
  Recommendation,
  Resources,
  Toleration,
  UpdateStrategyState,
  WorkloadState,
} from "../recommend/types.js";

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Obj) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The PodDisruptionBudget in the same namespace whose selector matches the pod labels. */
function findPdb(
  index: RepoIndex,
  namespace: string,
  podLabels: Record<string, string>,
): PdbState | undefined {
  for (const d of index.documents) {
    if (d.kind !== "PodDisruptionBudget" || (d.namespace ?? namespace) !== namespace) continue;
    const spec = obj(obj(d.value).spec);
    const match = obj(obj(spec.selector).matchLabels);
    const keys = Object.keys(match);
    if (keys.length === 0 || !keys.every((k) => podLabels[k] === match[k])) continue;
    return {
      name: d.name,
      ...(spec.minAvailable !== undefined ? { minAvailable: spec.minAvailable as number | string } : {}),
      ...(spec.maxUnavailable !== undefined
        ? { maxUnavailable: spec.maxUnavailable as number | string }
        : {}),
    };
  }
  return undefined;
}

export function workloadState(index: RepoIndex, located: Located, ref: WorkloadRef): WorkloadState {
  const defined = located.definedIn[0];
  const doc = defined
    ? index.documents.find(
        (d) => d.file === defined.file && d.docIndex === defined.docIndex && d.kind === ref.kind,
      )
    : undefined;
  const spec = obj(obj(doc?.value).spec);
  const pod = obj(obj(spec.template).spec);
  const volumes = list(pod.volumes).map(obj);
  const strategy = obj(spec.strategy ?? spec.updateStrategy);
  const rolling = obj(strategy.rollingUpdate);
  const hpa = located.replicas.hpa;
  return {
    ref,
    ...(ref.kind !== "DaemonSet" ? { replicas: located.replicas.current } : {}),
    containers: located.containers.map((c) => ({
      name: c.name,
      resources: {
        ...(c.cpuRequest !== undefined ? { cpuRequest: c.cpuRequest } : {}),
        ...(c.cpuLimit !== undefined ? { cpuLimit: c.cpuLimit } : {}),
        ...(c.memoryRequest !== undefined ? { memoryRequest: c.memoryRequest } : {}),
        ...(c.memoryLimit !== undefined ? { memoryLimit: c.memoryLimit } : {}),
      },
    })),
    labels: located.labels,
    pdb: findPdb(index, ref.namespace, located.podLabels),
    ...(hpa ? { hpa: { name: hpa.name, minReplicas: hpa.minReplicas, maxReplicas: hpa.maxReplicas } } : {}),
    ...(typeof strategy.type === "string"
      ? {
          updateStrategy: {
            type: strategy.type as UpdateStrategyState["type"],
            ...(rolling.maxUnavailable !== undefined
              ? { maxUnavailable: rolling.maxUnavailable as number | string }
              : {}),
            ...(rolling.maxSurge !== undefined ? { maxSurge: rolling.maxSurge as number | string } : {}),
          },
        }
      : {}),
    localState: {
      emptyDir: volumes.some((v) => v.emptyDir !== undefined),
      hostPath: volumes.some((v) => v.hostPath !== undefined),
      persistentVolumeClaim:
        volumes.some((v) => v.persistentVolumeClaim !== undefined) ||
        list(spec.volumeClaimTemplates).length > 0,
    },
    // Unknown (absent) when the pod template is not in the repository (a Helm chart renders it).
    ...(doc
      ? {
          spread: {
            podAntiAffinity: obj(pod.affinity).podAntiAffinity !== undefined,
            topologySpread: list(pod.topologySpreadConstraints).length > 0,
          },
        }
      : {}),
    ...(pod.nodeSelector ? { nodeSelector: pod.nodeSelector as Record<string, string> } : {}),
    ...(pod.tolerations ? { tolerations: list(pod.tolerations) as Toleration[] } : {}),
  };
}

const FIELDS = ["cpuRequest", "cpuLimit", "memoryRequest", "memoryLimit"] as const;

/**
 * The values to write. Containers carry their manifest names already: source.containerMapping is
 * applied once, where usage (live names) is matched to the manifests' containers.
 */
export function desiredFrom(rec: Recommendation): Desired {
  const containers: DesiredContainer[] = [];
  for (const c of rec.containers) {
    const changed: Resources = {};
    for (const f of FIELDS)
      if (c.proposed[f] !== undefined && c.proposed[f] !== c.current[f]) changed[f] = c.proposed[f];
    if (Object.keys(changed).length > 0) containers.push({ name: c.name, ...changed });
  }
  const r = rec.replicas;
  const s = rec.scheduledScaling;
  return {
    ...(containers.length > 0 ? { containers } : {}),
    ...(r && r.field === "spec.replicas" && r.proposed !== r.current ? { replicas: r.proposed } : {}),
    // An HPA owns the replicas: its floor is what changes.
    ...(r && r.field === "hpa.minReplicas" && r.proposed !== r.current ? { hpaMinReplicas: r.proposed } : {}),
    ...(rec.placement
      ? {
          placement: {
            nodeAffinity: rec.placement.nodeAffinity,
            tolerations: rec.placement.tolerations as unknown as Record<string, unknown>[],
          },
        }
      : {}),
    ...(s ? { files: [{ path: s.fileName, content: stringify(s.scaledObject) }] } : {}),
  };
}

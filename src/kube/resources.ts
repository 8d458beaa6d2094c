// The resources costopt touches, as data (see client.ts). Writes are limited to the first
// three (CostOptimization, Events, Leases); workloads and pods are read-only by RBAC too.

import { GROUP, PLURAL, VERSION } from "../api/types.js";
import type { ResourceRef } from "./client.js";

export const COSTOPTIMIZATIONS: ResourceRef = {
  group: GROUP,
  version: VERSION,
  plural: PLURAL,
  namespaced: true,
};
export const EVENTS: ResourceRef = { group: "", version: "v1", plural: "events", namespaced: true };
export const LEASES: ResourceRef = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  namespaced: true,
};
export const PODS: ResourceRef = { group: "", version: "v1", plural: "pods", namespaced: true };

export const WORKLOADS = {
  Deployment: { group: "apps", version: "v1", plural: "deployments", namespaced: true },
  StatefulSet: { group: "apps", version: "v1", plural: "statefulsets", namespaced: true },
  DaemonSet: { group: "apps", version: "v1", plural: "daemonsets", namespaced: true },
  CronJob: { group: "batch", version: "v1", plural: "cronjobs", namespaced: true },
} as const satisfies Record<string, ResourceRef>;

/** Read by `costopt scan` beside the workloads: what scales them and what guards their disruption. */
export const HPAS: ResourceRef = {
  group: "autoscaling",
  version: "v2",
  plural: "horizontalpodautoscalers",
  namespaced: true,
};
export const PDBS: ResourceRef = {
  group: "policy",
  version: "v1",
  plural: "poddisruptionbudgets",
  namespaced: true,
};

// The cAdvisor and kube-state-metrics series the sources read, and which of them matter.

export const CPU = "container_cpu_usage_seconds_total";
export const MEMORY = "container_memory_working_set_bytes";
export const RESTARTS = "kube_pod_container_status_restarts_total";
export const TERMINATED = "kube_pod_container_status_last_terminated_reason";
export const POD_OWNER = "kube_pod_owner";
export const REPLICASET_OWNER = "kube_replicaset_owner";
export const JOB_OWNER = "kube_job_owner";
export const HPA_INFO = "kube_horizontalpodautoscaler_info";
export const HPA_MIN = "kube_horizontalpodautoscaler_spec_min_replicas";
export const HPA_MAX = "kube_horizontalpodautoscaler_spec_max_replicas";

export type Labels = Record<string, string>;

/**
 * cAdvisor also exports a pod-level series (container="") and the pause container ("POD");
 * neither is a container a manifest declares.
 */
export function isContainerSeries(labels: Labels): boolean {
  const c = labels.container;
  return c !== undefined && c !== "" && c !== "POD";
}

/** The PromQL selector for a container metric in one namespace, matching isContainerSeries. */
export function containerSelector(metric: string, namespace: string): string {
  return `${metric}{namespace="${promString(namespace)}",container!="",container!="POD"}`;
}

export function promString(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

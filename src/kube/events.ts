// Kubernetes Events on a CostOptimization, the reasons users see in `kubectl describe`.
// Recording an Event never fails a reconcile: it is logged and dropped.

import type { CostOptimization } from "../api/types.js";
import type { Logger } from "../telemetry/logger.js";
import type { KubeClient, KubeObject } from "./client.js";
import { EVENTS } from "./resources.js";

export const EVENT_REASONS = [
  "OptimizationCreated",
  "RecommendationReady",
  "PullRequestOpened",
  "OptimizationApplied",
  "OptimizationFailed",
  "RollbackRequested",
  "RolledBack",
  "HealthRegression",
  "OptimizationDeleted",
  "FinalizerTimeout",
  "ReconcileWarning",
] as const;
export type EventReason = (typeof EVENT_REASONS)[number];

export interface EventSpec {
  reason: EventReason;
  message: string;
  type?: "Normal" | "Warning";
}

export interface EventRecorder {
  record(policy: CostOptimization, event: EventSpec): Promise<void>;
}

export class KubeEventRecorder implements EventRecorder {
  constructor(
    private readonly kube: KubeClient,
    private readonly log: Logger,
    private readonly component = "costopt",
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(policy: CostOptimization, event: EventSpec): Promise<void> {
    const ns = policy.metadata.namespace ?? "default";
    const ts = this.now().toISOString();
    const body: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${policy.metadata.name}.${this.now().getTime().toString(16)}${Math.random().toString(16).slice(2, 6)}`,
        namespace: ns,
      },
      involvedObject: {
        apiVersion: policy.apiVersion,
        kind: policy.kind,
        name: policy.metadata.name,
        namespace: ns,
        uid: policy.metadata.uid,
        resourceVersion: policy.metadata.resourceVersion,
      },
      reason: event.reason,
      message: event.message.slice(0, 1024),
      type: event.type ?? (event.reason === "OptimizationFailed" ? "Warning" : "Normal"),
      source: { component: this.component },
      reportingComponent: this.component,
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
    };
    try {
      await this.kube.create(EVENTS, ns, body);
    } catch (err) {
      this.log.warn("could not record event", { reason: event.reason, policy: policy.metadata.name, err });
    }
  }
}

// Every Prometheus metric costopt exposes, on one registry per service instance (so two
// instances in one test process do not collide), plus Node's default process metrics.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Telemetry {
  registry: Registry;
  optimizationsCreated: Counter;
  optimizationsApplied: Counter<"optimization_type">;
  optimizationsFailed: Counter<"reason">;
  rollbacks: Counter;
  totalMonthlySavings: Gauge;
  optimizationDuration: Histogram;
  pullRequests: Counter<"state">;
  githubApiCalls: Counter<"method" | "status">;
  githubRateLimitRemaining: Gauge;
  queueDepth: Gauge;
  leader: Gauge;
  admissionRequests: Counter<"webhook" | "allowed">;
  admissionDuration: Histogram<"webhook">;
  untrustedEvents: Counter<"reason">;
}

export function createTelemetry(opts: { defaultMetrics?: boolean } = {}): Telemetry {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    optimizationsCreated: new Counter({
      name: "costopt_optimizations_created_total",
      help: "CostOptimization policies seen for the first time",
      registers,
    }),
    optimizationsApplied: new Counter({
      name: "costopt_optimizations_applied_total",
      help: "Optimizations whose pull request was merged and went live",
      labelNames: ["optimization_type"],
      registers,
    }),
    optimizationsFailed: new Counter({
      name: "costopt_optimizations_failed_total",
      help: "Reconciles that ended in failure, by reason",
      labelNames: ["reason"],
      registers,
    }),
    rollbacks: new Counter({
      name: "costopt_rollbacks_total",
      help: "Rollbacks requested (revert pull requests opened)",
      registers,
    }),
    totalMonthlySavings: new Gauge({
      name: "costopt_total_monthly_savings_usd",
      help: "Sum of the monthly savings of all applied optimizations, USD",
      registers,
    }),
    optimizationDuration: new Histogram({
      name: "costopt_optimization_duration_seconds",
      help: "Duration of one reconcile of one policy",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    pullRequests: new Counter({
      name: "costopt_pull_requests_total",
      help: "Pull requests by state transition (opened, merged, closed)",
      labelNames: ["state"],
      registers,
    }),
    githubApiCalls: new Counter({
      name: "costopt_github_api_calls_total",
      help: "GitHub API requests by method and HTTP status",
      labelNames: ["method", "status"],
      registers,
    }),
    githubRateLimitRemaining: new Gauge({
      name: "costopt_github_rate_limit_remaining",
      help: "x-ratelimit-remaining of the last GitHub API response",
      registers,
    }),
    queueDepth: new Gauge({
      name: "costopt_reconcile_queue_depth",
      help: "Policies waiting to be reconciled",
      registers,
    }),
    leader: new Gauge({
      name: "costopt_leader",
      help: "1 while this instance holds the leader Lease and reconciles",
      registers,
    }),
    admissionDuration: new Histogram({
      name: "costopt_admission_duration_seconds",
      help: "Time to answer one AdmissionReview, from the request's first byte to the response",
      labelNames: ["webhook"],
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1],
      registers,
    }),
    untrustedEvents: new Counter({
      name: "costopt_untrusted_events_total",
      help: "Pull request events that looked like costopt's but were ignored (fork, unsigned metadata, unknown policy, other repository)",
      labelNames: ["reason"],
      registers,
    }),
    admissionRequests: new Counter({
      name: "costopt_admission_requests_total",
      help: "AdmissionReview requests by webhook and outcome",
      labelNames: ["webhook", "allowed"],
      registers,
    }),
  };
}

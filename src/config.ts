// The service's configuration: one table of environment variables (name, default, meaning),
// read and validated once at start. Every bad value is reported together, by name, so a
// misconfigured Deployment fails on its first start with a message that says what to fix.

import type { ValidationOptions } from "./api/validation.js";
import { redactUrl } from "./telemetry/redact.js";

export interface Config {
  host: string;
  port: number;
  admissionPort: number;
  /** 0: /metrics on PORT. */
  metricsPort: number;
  metricsBearerTokenFile?: string;
  tlsCertFile: string;
  tlsKeyFile: string;
  /** Empty: all namespaces. */
  watchNamespaces: string[];
  resyncSeconds: number;
  podNamespace: string;
  podName: string;
  leaseName: string;
  leaseDurationSeconds: number;
  leaseRenewSeconds: number;
  finalizerTimeoutSeconds: number;
  healthWindowSeconds: number;
  healthIntervalSeconds: number;
  healthThrottlingThreshold: number;
  healthRestartIncrease: number;
  maxConcurrentReconciles: number;
  protectedNamespaces: string[];
  policyAdminNamespaces: string[];
  allowedRepositories: string[];
  logLevel: "debug" | "info" | "warn" | "error";
  appId?: number;
  privateKey?: string;
  privateKeyPath?: string;
  webhookSecret?: string;
  prometheusUrl?: string;
  prometheusBearerTokenFile?: string;
  prometheusUsername?: string;
  prometheusPassword?: string;
  redisUrl?: string;
  clusterName?: string;
  defaultRepository?: string;
  policySource: "kubernetes" | "repository";
  kubeApiUrl?: string;
  kubeconfig?: string;
  kubeContext?: string;
  policiesPath: string;
}

type Parser = (raw: string) => unknown;

export interface EnvVar {
  name: string;
  key: keyof Config;
  /** undefined: optional with no default. */
  default?: string;
  description: string;
  parse: Parser;
}

const int =
  (min: number, max: number): Parser =>
  (raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`must be an integer from ${min} to ${max}`);
    return n;
  };

const ratio: Parser = (raw) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1)
    throw new Error("must be a number greater than 0 and at most 1");
  return n;
};

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "90s", "30m", "1h30m", "2d"; a bare number is seconds. */
export function parseDurationSeconds(raw: string): number {
  const s = raw.trim();
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+)([smhd])/g;
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] as string] as number);
    consumed += m[0].length;
  }
  if (consumed !== s.length || consumed === 0) {
    throw new Error(`must be a duration such as 30s, 15m, 1h or 1h30m, got "${raw}"`);
  }
  return total;
}

const duration =
  (minSeconds: number): Parser =>
  (raw) => {
    const n = parseDurationSeconds(raw);
    if (n < minSeconds) throw new Error(`must be at least ${minSeconds}s`);
    return n;
  };

const list: Parser = (raw) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const namespaces: Parser = (raw) => {
  const names = list(raw) as string[];
  const bad = names.filter((n) => !DNS_LABEL.test(n) || n.length > 63);
  if (bad.length) throw new Error(`not valid namespace names: ${bad.join(", ")}`);
  return names;
};

const namespace: Parser = (raw) => {
  if (!DNS_LABEL.test(raw) || raw.length > 63) throw new Error(`not a valid namespace name: "${raw}"`);
  return raw;
};

const text: Parser = (raw) => raw;
const oneOf =
  (values: string[]): Parser =>
  (raw) => {
    if (!values.includes(raw)) throw new Error(`must be one of ${values.join(", ")}, got "${raw}"`);
    return raw;
  };
const repository: Parser = (raw) => {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(raw)) throw new Error(`must be owner/name, got "${raw}"`);
  return raw;
};
const repositories: Parser = (raw) => {
  const names = list(raw) as string[];
  const bad = names.filter((n) => !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(n));
  if (bad.length) throw new Error(`must be owner/name repositories, got ${bad.join(", ")}`);
  return names;
};
const level: Parser = (raw) => {
  if (!["debug", "info", "warn", "error"].includes(raw))
    throw new Error("must be debug, info, warn or error");
  return raw;
};
const url: Parser = (raw) => {
  try {
    new URL(raw);
  } catch {
    throw new Error(`must be a URL, got "${redactUrl(raw)}"`);
  }
  return raw;
};

const urlOf =
  (...schemes: string[]): Parser =>
  (raw) => {
    url(raw);
    const scheme = new URL(raw).protocol.replace(/:$/, "");
    if (!schemes.includes(scheme))
      throw new Error(`must be a ${schemes.map((s) => `${s}://`).join(" or ")} URL, got "${redactUrl(raw)}"`);
    return raw;
  };

/** The table. README and manifests/operator/deployment.yaml follow it. */
export const ENV: EnvVar[] = [
  {
    name: "HOST",
    key: "host",
    default: "127.0.0.1",
    description: "Address both ports bind to; the Deployment sets 0.0.0.0",
    parse: text,
  },
  {
    name: "PORT",
    key: "port",
    default: "8080",
    description: "HTTP port: GitHub webhooks, /metrics, /healthz, /readyz",
    parse: int(1, 65535),
  },
  {
    name: "METRICS_PORT",
    key: "metricsPort",
    default: "0",
    description:
      "Port of its own for /metrics, off the public webhook port (the Deployment sets 9102); 0 serves it on PORT",
    parse: int(0, 65535),
  },
  {
    name: "METRICS_BEARER_TOKEN_FILE",
    key: "metricsBearerTokenFile",
    description: "File holding a token /metrics then requires as `Authorization: Bearer` (read per request)",
    parse: text,
  },
  {
    name: "ADMISSION_PORT",
    key: "admissionPort",
    default: "8443",
    description: "HTTPS port for /validate and /mutate",
    parse: int(1, 65535),
  },
  {
    name: "TLS_CERT_FILE",
    key: "tlsCertFile",
    default: "/etc/costopt/tls/tls.crt",
    description: "Serving certificate of the admission webhook (mounted from cert-manager's Secret)",
    parse: text,
  },
  {
    name: "TLS_KEY_FILE",
    key: "tlsKeyFile",
    default: "/etc/costopt/tls/tls.key",
    description: "Private key of the serving certificate",
    parse: text,
  },
  {
    name: "WATCH_NAMESPACES",
    key: "watchNamespaces",
    default: "",
    description: "Comma-separated namespaces to watch; empty watches all",
    parse: namespaces,
  },
  {
    name: "RESYNC_INTERVAL",
    key: "resyncSeconds",
    default: "30m",
    description: "How often every policy is reconciled even without changes",
    parse: duration(10),
  },
  {
    name: "POD_NAMESPACE",
    key: "podNamespace",
    default: "costopt-system",
    description: "Namespace of the leader Lease (downward API)",
    parse: namespace,
  },
  {
    name: "POD_NAME",
    key: "podName",
    default: "",
    description: "Identity in the Lease (downward API); defaults to the hostname",
    parse: text,
  },
  {
    name: "LEASE_NAME",
    key: "leaseName",
    default: "costopt-leader",
    description: "Name of the coordination.k8s.io Lease",
    parse: text,
  },
  {
    name: "LEASE_DURATION",
    key: "leaseDurationSeconds",
    default: "15s",
    description: "How long a Lease is valid without renewal",
    parse: duration(1),
  },
  {
    name: "LEASE_RENEW_INTERVAL",
    key: "leaseRenewSeconds",
    default: "5s",
    description: "How often the holder renews (and others retry)",
    parse: duration(1),
  },
  {
    name: "FINALIZER_TIMEOUT",
    key: "finalizerTimeoutSeconds",
    default: "10m",
    description: "After this, a deleted policy's finalizer is released even if revert PRs failed",
    parse: duration(1),
  },
  {
    name: "HEALTH_WINDOW",
    key: "healthWindowSeconds",
    default: "30m",
    description: "How long a merged change is watched for regressions once live",
    parse: duration(1),
  },
  {
    name: "HEALTH_CHECK_INTERVAL",
    key: "healthIntervalSeconds",
    default: "1m",
    description: "How often a workload under post-merge watch is sampled",
    parse: duration(5),
  },
  {
    name: "HEALTH_THROTTLING_THRESHOLD",
    key: "healthThrottlingThreshold",
    default: "0.25",
    description: "CPU throttling ratio (0-1] that counts as a regression",
    parse: ratio,
  },
  {
    name: "HEALTH_RESTART_INCREASE",
    key: "healthRestartIncrease",
    default: "3",
    description: "Container restarts above the baseline that count as a regression",
    parse: int(1, 1000),
  },
  {
    name: "MAX_CONCURRENT_RECONCILES",
    key: "maxConcurrentReconciles",
    default: "4",
    description: "Policies reconciled at the same time (each policy is always serial)",
    parse: int(1, 64),
  },
  {
    name: "PROTECTED_NAMESPACES",
    key: "protectedNamespaces",
    default: "kube-system,kube-public,kube-node-lease",
    description: "Namespaces whose workloads admission refuses to target",
    parse: namespaces,
  },
  {
    name: "POLICY_ADMIN_NAMESPACES",
    key: "policyAdminNamespaces",
    default: "costopt-system",
    description:
      "Namespaces whose policies may target workloads in other namespaces; any other policy targets only its own namespace",
    parse: namespaces,
  },
  {
    name: "ALLOWED_REPOSITORIES",
    key: "allowedRepositories",
    default: "",
    description:
      "Comma-separated owner/name repositories policies may propose to (spec.source.repository and discovered sources); empty allows any",
    parse: repositories,
  },
  {
    name: "LOG_LEVEL",
    key: "logLevel",
    default: "info",
    description: "debug, info, warn or error",
    parse: level,
  },
  {
    name: "APP_ID",
    key: "appId",
    description: "GitHub App id (webhooks are disabled without it)",
    parse: int(1, Number.MAX_SAFE_INTEGER),
  },
  {
    name: "PRIVATE_KEY",
    key: "privateKey",
    description: "GitHub App private key (PEM); or PRIVATE_KEY_PATH",
    parse: text,
  },
  {
    name: "PRIVATE_KEY_PATH",
    key: "privateKeyPath",
    description: "File holding the GitHub App private key",
    parse: text,
  },
  {
    name: "WEBHOOK_SECRET",
    key: "webhookSecret",
    description: "GitHub webhook secret; required with APP_ID",
    parse: text,
  },
  {
    name: "PROMETHEUS_URL",
    key: "prometheusUrl",
    description: "Prometheus HTTP API base URL for usage data",
    parse: urlOf("http", "https"),
  },
  {
    name: "PROMETHEUS_BEARER_TOKEN_FILE",
    key: "prometheusBearerTokenFile",
    description:
      "File holding a bearer token for Prometheus, read on every request (a rotated token is picked up)",
    parse: text,
  },
  {
    name: "PROMETHEUS_USERNAME",
    key: "prometheusUsername",
    description:
      "Basic-auth user for Prometheus (set both from a Secret; credentials in PROMETHEUS_URL work too)",
    parse: text,
  },
  {
    name: "PROMETHEUS_PASSWORD",
    key: "prometheusPassword",
    description: "Basic-auth password for Prometheus, from a Secret; never logged",
    parse: text,
  },
  {
    name: "REDIS_URL",
    key: "redisUrl",
    description: "Redis for the state store; in-memory when unset",
    parse: urlOf("redis", "rediss"),
  },
  {
    name: "KUBECONFIG",
    key: "kubeconfig",
    description:
      "kubeconfig file(s) outside a cluster, separated as in PATH (default ~/.kube/config); in a pod without one the service account is used",
    parse: text,
  },
  {
    name: "KUBE_CONTEXT",
    key: "kubeContext",
    description: "kubeconfig context to use (default: its current-context)",
    parse: text,
  },
  {
    name: "KUBE_API_URL",
    key: "kubeApiUrl",
    description:
      "Kubernetes API without credentials when there is no kubeconfig and no service account, e.g. http://127.0.0.1:8001 from `kubectl proxy`",
    parse: url,
  },
  {
    name: "POLICY_SOURCE",
    key: "policySource",
    default: "kubernetes",
    description:
      "kubernetes: CostOptimization CRs; repository: local mode, policies as YAML in DEFAULT_REPOSITORY (no CRD, one replica, status at /policies)",
    parse: oneOf(["kubernetes", "repository"]),
  },
  {
    name: "POLICIES_PATH",
    key: "policiesPath",
    default: "",
    description: "Local mode: the folder of the repository holding policies; empty reads every YAML file",
    parse: text,
  },
  {
    name: "CLUSTER_NAME",
    key: "clusterName",
    description:
      "Prefixes branches and state keys, so several clusters can share a repository; selects what clusters/<name>/ deploys",
    parse: namespace,
  },
  {
    name: "DEFAULT_REPOSITORY",
    key: "defaultRepository",
    description: "owner/name of the GitOps repository for policies without spec.source.repository",
    parse: repository,
  },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const v of ENV) {
    const raw = env[v.name] ?? v.default;
    if (raw === undefined || (raw === "" && v.default === undefined)) continue;
    try {
      out[v.key] = v.parse(raw);
    } catch (err) {
      problems.push(`${v.name}: ${(err as Error).message}`);
    }
  }
  const c = out as unknown as Config;
  if (c.appId && !c.privateKey && !c.privateKeyPath)
    problems.push("APP_ID is set: PRIVATE_KEY or PRIVATE_KEY_PATH is required");
  if (c.appId && !c.webhookSecret) problems.push("APP_ID is set: WEBHOOK_SECRET is required");
  if (c.leaseRenewSeconds >= c.leaseDurationSeconds) {
    problems.push("LEASE_RENEW_INTERVAL must be shorter than LEASE_DURATION");
  }
  if (c.port === c.admissionPort) problems.push("PORT and ADMISSION_PORT must differ");
  if (c.metricsPort !== 0 && (c.metricsPort === c.port || c.metricsPort === c.admissionPort))
    problems.push("METRICS_PORT must differ from PORT and ADMISSION_PORT");
  if ((c.prometheusUsername === undefined) !== (c.prometheusPassword === undefined))
    problems.push("PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD go together");
  if (c.prometheusBearerTokenFile && c.prometheusUsername)
    problems.push(
      "PROMETHEUS_BEARER_TOKEN_FILE and PROMETHEUS_USERNAME/PASSWORD: choose one way to authenticate",
    );
  if (c.policySource === "repository" && !c.defaultRepository) {
    problems.push(
      "POLICY_SOURCE=repository: DEFAULT_REPOSITORY (the repository holding the policies) is required",
    );
  }
  if (problems.length) throw new ConfigError(problems);
  return c;
}

/** The admission rules' configurable lists, the same for admission, the reconciler and local mode. */
export function validationOptions(c: Config): ValidationOptions {
  return {
    protectedNamespaces: c.protectedNamespaces,
    policyAdminNamespaces: c.policyAdminNamespaces,
    allowedRepositories: c.allowedRepositories,
  };
}

/** The table as Markdown, for README and `costopt serve --help-env`. */
export function envTable(): string {
  const rows = ENV.map(
    (v) => `| \`${v.name}\` | ${v.default ? `\`${v.default}\`` : ""} | ${v.description} |`,
  );
  return ["| variable | default | meaning |", "|---|---|---|", ...rows].join("\n");
}

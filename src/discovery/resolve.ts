// Source discovery for one policy, in the documented order: the policy's spec.source, then
// Argo CD, then Flux, then the cluster-wide default repository. Create one SourceDiscovery per
// reconcile pass: it caches every Kubernetes read and installation lookup for that pass only,
// so a changed Application or a newly installed GitHub App is seen on the next pass.

import { policyTarget } from "../api/target.js";
import type { CostOptimization, PolicySource } from "../api/types.js";
import { WORKLOADS } from "../kube/resources.js";
import { ClusterSources } from "./cluster.js";
import type { InstallationLookup, InstallationResult } from "./installations.js";
import { repoPath } from "./paths.js";
import { type ClusterReader, passReader } from "./reader.js";
import { parseRepositoryUrl, type RepositoryRef, RepositoryUrlError } from "./repo-url.js";
import { pinnedWarning } from "./revision.js";
import { explain } from "./summary.js";
import type {
  DiscoveryResult,
  Located,
  ResolvedSource,
  SourceLocation,
  SourceOrigin,
  Unusable,
} from "./types.js";

export interface DiscoveryOptions {
  reader: ClusterReader;
  installations: InstallationLookup;
  /** The cluster-wide default from configuration; its repository is owner/name or a URL. */
  defaultSource?: PolicySource;
  /** Argo CD control-plane namespaces, searched when a tracking id names no namespace. */
  argoNamespaces?: string[];
  /** The GitHub host the app is installed on. */
  githubHost?: string;
}

export type DiscoveryPolicy = Pick<CostOptimization, "metadata" | "spec">;

export interface SourceDiscovery {
  resolve(policy: DiscoveryPolicy): Promise<DiscoveryResult>;
}

export function createSourceDiscovery(opts: DiscoveryOptions): SourceDiscovery {
  const reader = passReader(opts.reader);
  const cluster = new ClusterSources(reader, opts.argoNamespaces ?? ["argocd"]);
  const host = (opts.githubHost ?? "github.com").toLowerCase();
  const installs = new Map<string, Promise<InstallationResult>>();
  const installationOf = (repo: RepositoryRef) => {
    let hit = installs.get(repo.key);
    if (!hit) {
      hit = opts.installations(repo);
      installs.set(repo.key, hit);
    }
    return hit;
  };

  async function decide(policy: DiscoveryPolicy): Promise<Located | Unusable> {
    const given = policy.spec.source;
    if (given?.repository) return fromPolicySource(given, "policy", "policy spec.source");
    const t = policyTarget(policy);
    const live = await reader.get(WORKLOADS[t.kind], t.namespace, t.name);
    if (live) {
      const found = await cluster.sourceOf({ ...live, kind: live.kind ?? t.kind });
      if (found.found) return found;
    }
    if (opts.defaultSource?.repository) {
      return fromPolicySource(opts.defaultSource, "default", "the cluster-wide default repository");
    }
    const why = live
      ? "no Argo CD Application or Flux Kustomization/HelmRelease manages it"
      : "the workload is not in the cluster";
    return {
      found: true,
      origin: "default",
      decidedBy: "nothing",
      unusable: `no Git source for ${t.kind} ${t.namespace}/${t.name}: the policy has no spec.source.repository, ${why}, and no default repository is configured`,
    };
  }

  /** Maps every location to its repository and installation, or says which one is missing. */
  async function writable(f: Located): Promise<SourceLocation[] | string> {
    const out: SourceLocation[] = [];
    for (const { repoURL, ...loc } of f.locations) {
      let repo: RepositoryRef;
      try {
        repo = parseRepositoryUrl(repoURL, host);
      } catch (err) {
        if (err instanceof RepositoryUrlError)
          return `unknown repository: ${f.decidedBy} points at "${err.url}", which ${err.reason}`;
        throw err;
      }
      if (repo.host !== host) {
        return `unknown repository: ${f.decidedBy} points at ${repoURL}, on ${repo.host}; costopt's GitHub App writes ${host} repositories only`;
      }
      const inst = await installationOf(repo);
      if (!inst.ok) return `cannot write ${repo.fullName} (chosen by ${f.decidedBy}): ${inst.reason}`;
      if (inst.warning && !f.warnings.includes(inst.warning)) f.warnings.push(inst.warning);
      out.push({ ...loc, repository: repo, installationId: inst.installationId });
    }
    return out;
  }

  return {
    async resolve(policy) {
      const decided = await decide(policy);
      if ("unusable" in decided) return { ok: false, reason: decided.unusable };
      const f = refine(decided, policy.spec.source);
      const locations = await writable(f);
      if (typeof locations === "string") return { ok: false, reason: locations };
      const [first, ...rest] = locations;
      if (!first) return { ok: false, reason: `${f.decidedBy}: nothing to edit in Git` };
      const warnings = [...f.warnings];
      for (const l of locations) {
        const w = pinnedWarning(l.revision, f.decidedBy);
        if (w && !warnings.includes(w)) warnings.push(w);
      }
      const base = {
        origin: f.origin,
        decidedBy: f.decidedBy,
        locations: [first, ...rest] as ResolvedSource["locations"],
      };
      return { ok: true, source: { ...base, warnings, explanation: explain(base) } };
    },
  };
}

function fromPolicySource(s: PolicySource, origin: SourceOrigin, decidedBy: string): Located {
  return {
    found: true,
    origin,
    decidedBy,
    warnings: [],
    locations: [
      {
        repoURL: s.repository as string,
        revision: s.branch ? { kind: "branch", value: s.branch } : { kind: "default" },
        path: repoPath(s.path) ?? ".",
        format: s.format ?? "auto",
        role: s.path ? "path as configured" : "whole repository",
      },
    ],
  };
}

/**
 * Policy fields given without a repository refine what was found: a path replaces the
 * discovered locations with one in the same repository and revision, a format or branch replaces theirs,
 * and valuesPath and the container mapping travel with every location.
 */
function refine(f: Located, s: PolicySource | undefined): Located {
  if (!s) return f;
  let locations = f.locations;
  if (f.origin !== "policy") {
    const first = locations[0];
    if (s.path && first) {
      locations = [
        {
          ...first,
          path: repoPath(s.path) ?? ".",
          // The discovered format described the discovered path, not this one.
          format: "auto",
          role: `policy spec.source.path, in the repository of ${first.role}`,
        },
      ];
    }
    locations = locations.map((l) => ({
      ...l,
      ...(s.format ? { format: s.format } : {}),
      ...(s.branch ? { revision: { kind: "branch" as const, value: s.branch } } : {}),
    }));
  }
  const extras = {
    ...(s.valuesPath ? { valuesPath: s.valuesPath } : {}),
    ...(s.containerMapping ? { containerMapping: s.containerMapping } : {}),
  };
  return { ...f, locations: locations.map((l) => ({ ...l, ...extras })) };
}

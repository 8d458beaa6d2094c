// What discovery hands to the rest of costopt: where to edit, which installation may write
// there, and a sentence saying why, for status.source and the pull request body.

import type { SourceFormat } from "../api/types.js";
import type { RepositoryRef } from "./repo-url.js";

export type SourceOrigin = "policy" | "argocd" | "flux-kustomization" | "flux-helmrelease" | "default";

/** How the GitOps tool pins the revision it deploys. Only a branch can take a pull request that deploys. */
export type Revision =
  | { kind: "branch"; value: string }
  | { kind: "default" }
  | { kind: "tag" | "semver" | "commit"; value: string };

/** One place in Git where the workload's settings may live, before the repository is checked. */
export interface GitLocation {
  repoURL: string;
  revision: Revision;
  /** Relative to the repository root, no leading "./"; "." is the root. */
  path: string;
  format: SourceFormat;
  /** What this file or folder is to the tool, e.g. "helm value file 2 of 2", "Kustomization path". */
  role: string;
}

/** A location whose repository is known and writable by an installation. */
export interface SourceLocation extends Omit<GitLocation, "repoURL"> {
  repository: RepositoryRef;
  installationId: number;
  valuesPath?: string;
  containerMapping?: Record<string, string>;
}

export interface ResolvedSource {
  origin: SourceOrigin;
  /** The object that decided, e.g. "Argo CD Application argocd/web (tracking-id)". */
  decidedBy: string;
  /** Most authoritative first (the value file that wins first); the locator tries them in order. */
  locations: [SourceLocation, ...SourceLocation[]];
  /** One line: why this source, for status.source and the PR body. */
  explanation: string;
  /** Things a reviewer should know, e.g. a revision pinned to a tag. */
  warnings: string[];
}

export type DiscoveryResult = { ok: true; source: ResolvedSource } | { ok: false; reason: string };

/** A decision about where a workload's settings live, before repositories are checked. */
export interface Located {
  found: true;
  origin: SourceOrigin;
  decidedBy: string;
  locations: (GitLocation & { valuesPath?: string; containerMapping?: Record<string, string> })[];
  warnings: string[];
}

/** The tool that manages the workload was found, but its source cannot be edited through Git. */
export interface Unusable {
  found: true;
  origin: SourceOrigin;
  decidedBy: string;
  unusable: string;
}

/** What a GitOps tool said about a workload. */
export type Finding = Located | Unusable | { found: false };

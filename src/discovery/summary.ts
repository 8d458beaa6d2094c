// The resolved source in the three shapes its consumers need: a PolicySource for the manifests
// locator, a plain object for the CR's status.source, and one sentence for people.

import type { PolicySource } from "../api/types.js";
import { repositoryUrl } from "./repo-url.js";
import { describeRevision } from "./revision.js";
import type { ResolvedSource, SourceLocation } from "./types.js";

/** e.g. "Argo CD Application argocd/web (tracking-id) -> https://github.com/acme/deploy@main path apps/web/overlays/prod". */
export function explain(s: Pick<ResolvedSource, "decidedBy" | "locations">): string {
  const [first, ...rest] = s.locations;
  const more =
    rest.length > 0 ? `; then ${rest.map((l) => l.path).join(", ")} if it does not hold the workload` : "";
  return `${s.decidedBy} -> ${repositoryUrl(first.repository)}${describeRevision(first.revision)} path ${first.path} (${first.role}${more})`;
}

/**
 * What the manifests locator takes. A pinned revision (tag, commit) is no branch to open a pull
 * request against, so the branch is left out and the forge uses the default branch.
 */
export function toPolicySource(l: SourceLocation): PolicySource {
  return {
    repository: l.repository.fullName,
    ...(l.revision.kind === "branch" ? { branch: l.revision.value } : {}),
    path: l.path,
    format: l.format,
    ...(l.valuesPath ? { valuesPath: l.valuesPath } : {}),
    ...(l.containerMapping ? { containerMapping: l.containerMapping } : {}),
  };
}

/** The CR's status.source (a free-form object in the CRD): the chosen location and why. */
export function statusSource(
  s: ResolvedSource,
  chosen: SourceLocation = s.locations[0],
): Record<string, unknown> {
  return {
    origin: s.origin,
    decidedBy: s.decidedBy,
    repository: chosen.repository.fullName,
    url: repositoryUrl(chosen.repository),
    revision:
      chosen.revision.kind === "default"
        ? "default branch"
        : `${chosen.revision.kind} ${chosen.revision.value}`,
    path: chosen.path,
    format: chosen.format,
    role: chosen.role,
    installationId: chosen.installationId,
    explanation: s.explanation,
    ...(s.warnings.length > 0 ? { warnings: s.warnings } : {}),
  };
}

// Git source discovery: where a workload's manifests live, as Argo CD or Flux says, and which
// GitHub App installation may write there.

export { type Chosen, firstLocationThatHolds, type Refusal } from "./choose.js";
export {
  type InstallationEntry,
  type InstallationLookup,
  type InstallationResult,
  installationsFromList,
} from "./installations.js";
export { DISCOVERY_RBAC_RULES, type PolicyRule } from "./rbac.js";
export { type ClusterReader, DiscoveryReadError, type ResourceRef } from "./reader.js";
export { parseRepositoryUrl, type RepositoryRef, RepositoryUrlError, repositoryUrl } from "./repo-url.js";
export {
  createSourceDiscovery,
  type DiscoveryOptions,
  type DiscoveryPolicy,
  type SourceDiscovery,
} from "./resolve.js";
export { explain, statusSource, toPolicySource } from "./summary.js";
export type { DiscoveryResult, ResolvedSource, Revision, SourceLocation, SourceOrigin } from "./types.js";

// The manifests module: find a workload's values in a Git repository's files and change them
// without disturbing one unrelated byte. Pure: it works on file contents handed to it.
//
//   indexRepository(files, opts?) -> RepoIndex
//     Every Kubernetes document (multi-document files, List items), kustomizations and Helm
//     charts. `skipped` lists files left out with the reason, line and column: invalid YAML,
//     duplicate keys, over opts.maxFileBytes (default 1 MiB), binary, symbolic links.
//
//   locateWorkload(index, {kind, namespace?, name}, source?, {cluster?, charts?}) -> Located | Refused
//     Roots are the folders Argo CD Applications / Flux Kustomizations in the repository deploy,
//     plus every kustomization no other includes; a file is edited only when every root it
//     renders into is targeted (source.path, cluster = clusters/<name>/), else the change goes
//     into a new patch of the targeted root. HelmRelease values are read as each root renders
//     them; `charts` are the chart artifacts Flux fetched (src/discovery fetchCharts, for
//     chartNeeds(index, target)).
//     Per container the current requests/limits (millicores, bytes) and, per field, the EditSite
//     where it is set or would be added (file, document index, JSON pointer; `create` when a new
//     overlay patch file is needed). Also replicas (and whether an HPA owns them), labels and the
//     placement sites (nodeAffinity, tolerations). The layer that sets a value last wins; a value
//     only a base sets is edited there unless other overlays share the base, in which case a patch
//     is added to this overlay. Helm values are found by source.valuesPath, a
//     "# costopt: <namespace>/<name>[/<container>]" marker, or a sibling "name:". Refused when the
//     target is missing, ambiguous, defined in several places with conflicting values, or when
//     source (repository, branch, path, format) rules it out or leaves the repository. A document
//     without a namespace matches any target namespace (the deployer chooses it).
//
//   planChanges(index, located, desired) -> Plan | Refused
//     Desired values (millicores, bytes, replicas, placement, new files) -> full new file
//     contents, `before` being the original. A new file goes into located.newFiles: the folder of
//     the kustomization rendering the workload (and is appended to its `resources:`), else the
//     workload file's folder. Quantities keep the author's
//     notation. Values inside YAML strings (inline kustomize patches, Argo CD helm.values) are
//     edited inside the string. Refused at a blocked site (Helm template, unreadable quantity,
//     anchor/alias), when an HPA owns replicas, or when any edit fails the invariant.
//
//   patchDocument(content, docIndex, ops, file?) -> string
//     RFC 6902 operations on one document, format-preserving; throws PatchError unless the result
//     re-parses to exactly the original plus the operations.

export { PatchError } from "./errors.js";
export { chartNeeds, type LocateOptions, locateWorkload } from "./locate.js";
export { describeLocation, type LandingRow, landingOf, locationOf, type Target } from "./located.js";
export { type Operation, patchDocument } from "./patch.js";
export { planChanges } from "./plan.js";
export { DEFAULT_MAX_FILE_BYTES, indexRepository } from "./repo-index.js";
export { artifactSourcePath } from "./roots.js";
export * from "./types.js";

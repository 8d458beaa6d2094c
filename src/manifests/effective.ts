// An object as a root renders it: the base document with every applicable patch of its layers
// applied in order (strategic-merge patches of a custom resource merge maps and replace lists,
// as kustomize does without a schema). Used to read a HelmRelease's values as Flux receives them.

import jsonpatch, { type Operation } from "fast-json-patch";
import { patchApplies } from "./fields.js";
import type { Rendering } from "./kustomize-tree.js";
import { isRecord } from "./pointer.js";

function merge(base: unknown, patch: unknown): unknown {
  if (!isRecord(patch) || !isRecord(base)) return structuredClone(patch);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(base[k], v);
  }
  return out;
}

export function effectiveObject(r: Rendering): unknown {
  let obj = structuredClone(r.doc.value);
  for (const [li, layer] of r.layers.entries()) {
    const names = new Set([r.doc.name as string, r.namesIn[li] as string]);
    for (const patch of layer.patches) {
      if (!patchApplies(patch, r, names)) continue;
      if (patch.type === "strategic-merge") obj = merge(obj, patch.value);
      else if (Array.isArray(patch.value))
        try {
          // Kustomize fails the build on an op that does not apply; here the rest still reads.
          obj = jsonpatch.applyPatch(
            obj,
            structuredClone(patch.value) as Operation[],
            false,
            false,
          ).newDocument;
        } catch {}
    }
  }
  return obj;
}

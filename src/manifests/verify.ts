// The invariant behind every returned file: re-parsed, it differs from the original in exactly
// the intended way. Anything else (a neighbour changed, a document lost, a value read back as
// another type) is a PatchError and the edit is never returned.

import { PatchError, type Place } from "./errors.js";
import { deepEqual, parseStream } from "./yaml-stream.js";

export function checkInvariant(
  after: string,
  docIndex: number,
  original: unknown[],
  expected: unknown,
  place: Place,
): void {
  const { docs, problem } = parseStream(after);
  if (problem)
    throw new PatchError(
      `the edit would produce invalid YAML (${problem.message}); nothing was changed`,
      place,
    );
  if (docs.length !== original.length)
    throw new PatchError(
      `the edit would change the number of documents from ${original.length} to ${docs.length}`,
      place,
    );
  for (const [i, doc] of docs.entries()) {
    const want = i === docIndex ? expected : original[i];
    if (!deepEqual(doc.toJS(), want))
      throw new PatchError(
        i === docIndex
          ? "the edit would not re-read as exactly the intended change; nothing was changed"
          : "the edit would change another document in the file; nothing was changed",
        { ...place, docIndex: i },
      );
  }
}

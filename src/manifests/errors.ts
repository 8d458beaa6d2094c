// Errors raised by the manifests module. A PatchError means an edit could not be made without
// disturbing something else, so nothing is returned for that file.

/** Where in the repository a problem sits, so a message can name file, document and field. */
export interface Place {
  file?: string;
  docIndex?: number;
  /** JSON pointer inside the document. */
  field?: string;
}

/**
 * "document 1" for the first YAML document of a file: counted from 1, as editors count lines, so
 * "document 2 (line 14)" means the second. Internally (docIndex) documents count from 0.
 */
export function documentLabel(docIndex: number): string {
  return `document ${docIndex + 1}`;
}

export function describePlace(place: Place): string {
  const parts: string[] = [];
  if (place.file !== undefined) parts.push(place.file);
  if (place.docIndex !== undefined) parts.push(documentLabel(place.docIndex));
  if (place.field !== undefined) parts.push(`field ${place.field || "/"}`);
  return parts.join(", ");
}

export class PatchError extends Error {
  constructor(
    message: string,
    readonly place: Place = {},
  ) {
    const where = describePlace(place);
    super(where ? `${where}: ${message}` : message);
    this.name = "PatchError";
  }
}

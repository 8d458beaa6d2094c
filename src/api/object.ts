// Parsed YAML/JSON arrives as unknown; a plain object (not null, not an array) is what the API
// rules can look into.

export type Obj = Record<string, unknown>;

export const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

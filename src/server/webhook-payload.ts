// The fields each handled event must carry before a handler reads them. A signed delivery is
// GitHub's (or a proxy's) word, but a malformed one must get a clear 400 naming the field, not a 500
// from a TypeError deep in a handler.

type Check = [path: string, type: "string" | "number" | "object" | "array"];

const REPOSITORY: Check[] = [
  ["repository", "object"],
  ["repository.name", "string"],
  ["repository.full_name", "string"],
  ["repository.owner.login", "string"],
];

const REQUIRED: Record<string, Check[]> = {
  pull_request: [
    ...REPOSITORY,
    ["pull_request.number", "number"],
    ["pull_request.head.ref", "string"],
    ["pull_request.head.sha", "string"],
  ],
  // comment.user may be null (a deleted account); such a comment is simply no command.
  issue_comment: [...REPOSITORY, ["issue.number", "number"], ["comment", "object"]],
  issues: [...REPOSITORY, ["issue.number", "number"], ["issue.title", "string"], ["sender.login", "string"]],
  push: [...REPOSITORY, ["repository.default_branch", "string"], ["ref", "string"], ["commits", "array"]],
  installation: [["installation.id", "number"]],
  installation_repositories: [["installation.id", "number"]],
};

function at(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split("."))
    v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** Why a delivery of `event` cannot be handled, or undefined when it carries what handlers read. */
export function payloadProblem(event: string, body: string): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return "the payload is not JSON";
  }
  if (payload === null || typeof payload !== "object") return "the payload is not a JSON object";
  for (const [path, type] of REQUIRED[event] ?? []) {
    const v = at(payload, path);
    const ok =
      type === "array"
        ? Array.isArray(v)
        : type === "object"
          ? v !== null && typeof v === "object"
          : typeof v === type;
    if (!ok) return `${event} payload: ${path} must be ${type === "array" ? "an array" : `a ${type}`}`;
  }
  return undefined;
}

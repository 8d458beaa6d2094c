// `/costopt <command>` in a PR comment. One command per comment, on a line of its own.

export const COMMANDS = ["rollback", "recheck", "ignore"] as const;
export type Command = (typeof COMMANDS)[number];

export function parseCommand(body: string | null | undefined): Command | undefined {
  const m = /^\s*\/costopt\s+(\w+)\s*$/m.exec(body ?? "");
  const word = m?.[1]?.toLowerCase();
  return COMMANDS.find((c) => c === word);
}

/** Whether a comment addresses costopt at all (to answer an unknown command helpfully). */
export function mentionsCostopt(body: string | null | undefined): boolean {
  return /^\s*\/costopt\b/m.test(body ?? "");
}

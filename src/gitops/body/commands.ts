// The commands a person with write access can comment on the PR.

export function renderCommands(): string {
  return [
    "<details><summary>Commands</summary>",
    "",
    "Comment on this pull request (write access needed):",
    "",
    "- `/costopt recheck`: analyse again now and update this pull request",
    "- `/costopt ignore`: close it and do not propose this change again until it changes materially",
    "- `/costopt rollback`: after merging, open a pull request that restores the original values",
    "",
    "</details>",
  ].join("\n");
}

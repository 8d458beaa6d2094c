// `costopt proposals --repo <dir>`: the pull requests `costopt run --repo` opened in a local git
// repository (the local forge keeps them in .git/costopt/pull-requests.json), as a table or JSON:
// number, state, branch, title, labels, created, comments. Read-only.

import Table from "cli-table3";
import type { Command } from "commander";
import { LocalForge } from "../forge/local/index.js";
import { addFormat, paint } from "./options.js";
import { REPORT_API_VERSION } from "./recommend-output.js";
import type { Register } from "./register.js";

const STATES = ["open", "merged", "closed", "all"] as const;

export const registerProposals: Register = (program: Command) => {
  const cmd = program
    .command("proposals")
    .description("list the pull requests costopt run opened in a local git repository (--repo)")
    .requiredOption("--repo <dir>", "the git working copy `costopt run --repo` proposed to");
  addFormat(cmd, ["table", "json"]);
  cmd
    .option("--state <state>", `which to list: ${STATES.join(", ")}`, "all")
    .action(async (o: { repo: string; format: "table" | "json"; state: (typeof STATES)[number] }) => {
      if (!STATES.includes(o.state))
        throw new Error(`--state: ${o.state} is not one of ${STATES.join(", ")}`);
      const all = await new LocalForge({ dir: o.repo }).allPullRequests();
      const pulls = all.filter((p) => o.state === "all" || p.state === o.state);
      if (o.format === "json") {
        const items = pulls.map((p) => ({
          number: p.number,
          state: p.state,
          branch: p.branch,
          base: p.base,
          title: p.title,
          labels: p.labels,
          createdAt: p.createdAt,
          mergedAt: p.mergedAt ?? null,
          comments: p.comments.length,
        }));
        process.stdout.write(
          `${JSON.stringify({ apiVersion: REPORT_API_VERSION, kind: "ProposalList", items }, null, 2)}\n`,
        );
        return;
      }
      const t = new Table({
        head: ["#", "State", "Branch", "Title", "Created"],
        style: { head: [], border: [] },
      });
      for (const p of pulls)
        t.push([
          String(p.number),
          paint(p.state === "open" ? "green" : p.state === "merged" ? "bold" : "yellow", p.state),
          p.branch,
          p.title,
          p.createdAt,
        ]);
      process.stdout.write(
        pulls.length
          ? `${t.toString()}\n`
          : `no ${o.state === "all" ? "" : `${o.state} `}proposals in ${o.repo}\n`,
      );
    });
};

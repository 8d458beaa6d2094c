// npm run demo: the whole pipeline on the bundled example, offline and without configuration.
// Generates two weeks of usage for the example workloads, makes a git repository from
// manifests/examples/, runs one reconcile pass per policy (locate -> usage -> recommend -> gates
// -> patch -> local forge) with in-memory state, prints every proposal, then merges one and
// answers a `/costopt rollback` comment on it, printing the revert. Everything it writes lives
// in one temporary folder, removed at the end (the usage file alone is about 75 MB); with
// `npm run demo -- --keep` the folder stays for a look, minus the usage file.

import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPolicies, validPolicies } from "../src/api/load.js";
import { policyTarget } from "../src/api/target.js";
import { readInputs } from "../src/cli/files.js";
import { formatReport, type RunResult } from "../src/cli/run.js";
import { usageForPass } from "../src/cli/usage-plan.js";
import { LocalForge } from "../src/forge/local/index.js";
import { answerComment } from "../src/gitops/command-runner.js";
import { next } from "../src/gitops/lifecycle.js";
import { MetadataKey, parseMetadata } from "../src/gitops/metadata.js";
import { recordClosed } from "../src/gitops/outcome.js";
import { FileUsageSource } from "../src/metrics/file-source.js";
import { reconcile } from "../src/reconcile.js";
import { createStore } from "../src/state/index.js";
import { EXAMPLE_NOW, writeExampleUsage } from "./example-usage.js";

const started = Date.now();
const keep = process.argv.includes("--keep");
const examples = new URL("../manifests/examples/", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "costopt-demo-"));
const repo = join(work, "repo");
const metricsFile = join(work, "usage.om");
const step = (text: string) => process.stderr.write(`\x1b[2m» ${text}\x1b[0m\n`);
const heading = (text: string) => process.stdout.write(`\n\x1b[1m━━ ${text}\x1b[0m\n\n`);
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });

// Nothing is left in the temporary folder but what --keep asks for, even when a step fails.
process.on("exit", () => {
  rmSync(keep ? metricsFile : work, { recursive: true, force: true });
});

// 1. Usage: two weeks (the full-optimization example looks back 14 days) at 5-minute resolution.
const stats = await writeExampleUsage(metricsFile);
const now = EXAMPLE_NOW;
step(`generated ${stats.samples.toLocaleString("en-US")} samples in ${stats.series} series: ${metricsFile}`);

// 2. The GitOps repository: the example workloads and policies, one commit on main.
cpSync(examples, repo, { recursive: true, filter: (src) => !src.endsWith(".md") });
execFileSync("git", ["init", "-q", "-b", "main", repo]);
git("add", "-A");
git(
  "-c",
  "user.name=demo",
  "-c",
  "user.email=demo@localhost",
  "commit",
  "-qm",
  "Example workloads and policies",
);
step(`git repository with ${readdirSync(repo).filter((f) => f.endsWith(".yaml")).length} files: ${repo}`);

// 3. One reconcile pass per policy, with in-memory state.
const { policies, problems } = validPolicies(checkPolicies(readInputs(repo)));
if (problems.length) throw new Error(`example policies are invalid:\n${problems.join("\n")}`);
const forge = new LocalForge({ dir: repo, now: () => now });
const store = await createStore(undefined);
const clock = () => now;
// The file is read once per distinct window for every workload, not once per policy.
const usage = usageForPass(new FileUsageSource({ path: metricsFile }), policies, now);
const snapshot = await forge.snapshot();
const metadataKey = new MetadataKey(await forge.metadataSecret());
const results: RunResult[] = [];
for (const policy of policies) {
  const result = await reconcile(policy, { forge, store, usage, metadataKey, snapshot, now: clock });
  results.push({ ...result, phase: next(undefined, { type: "pass", result }, now).status.phase });
}

heading("costopt run: one pass over the example policies");
for (const r of results) {
  const rec = r.recommendation;
  const saving = rec ? `$${rec.monthlySavings.toFixed(2)}/mo` : "-";
  process.stdout.write(
    `  ${r.policy.padEnd(28)} ${r.phase.padEnd(9)} ${saving.padStart(12)}  ${r.message}\n`,
  );
}
process.stdout.write(formatReport({ results, problems: [], warnings: [], stoppedEarly: false }));

// 4. A reviewer merges the first pull request; the merge is recorded with its original values.
const opened = results.find((r) => r.proposal?.action === "created" && r.pullRequest);
if (!opened?.pullRequest) throw new Error("the demo expected at least one pull request");
const merged = await forge.merge(opened.pullRequest.number);
const outcome = await recordClosed(
  {
    ...merged,
    body: merged.body ?? null,
    merged: true,
    mergeSha: merged.mergeSha,
    mergedAt: merged.mergedAt,
  },
  forge.repository,
  store,
  clock,
  metadataKey,
);
heading(`merged #${merged.number} (${merged.branch}) -> ${outcome?.kind ?? "not recorded"}`);
process.stdout.write(`${git("log", "--oneline", "--graph", "-n", "4", "main")}`);

// 5. Someone comments `/costopt rollback` on the merged pull request.
const meta = parseMetadata(merged.body, metadataKey);
if (!meta) throw new Error(`#${merged.number} has no costopt metadata`);
const mergedPolicy = policies.find(
  (p) => meta.policy === `${p.metadata.namespace ?? "default"}/${p.metadata.name}`,
);
if (!mergedPolicy) throw new Error(`no policy ${meta.policy}`);
const reply = await answerComment({
  forge,
  store,
  now: clock,
  pr: merged,
  meta,
  user: "platform-engineer",
  body: "/costopt rollback",
  recheck: async () => {},
  autoMerge: async () => false,
  workload: { target: policyTarget(mergedPolicy), source: mergedPolicy.spec.source },
  metadataKey,
});
heading(`/costopt rollback on #${merged.number}`);
process.stdout.write(`costopt replied: ${reply ?? "(no reply)"}\n`);
const revert = (await forge.allPullRequests()).filter((p) => p.state === "open").at(-1);
if (!revert || revert.number === merged.number) throw new Error("the rollback opened no pull request");
process.stdout.write(`\n# ${revert.title}\n\n`);
process.stdout.write(
  `${(revert.body ?? "").replace(/\n*<!-- costopt:metadata [^>]*-->\n*/, "\n").trim()}\n\n`,
);
process.stdout.write(`\`\`\`diff\n${git("diff", "main", revert.branch).trimEnd()}\n\`\`\`\n`);

await store.close();
heading("done");
process.stdout.write(
  keep
    ? `Finished in ${((Date.now() - started) / 1000).toFixed(1)} s. The repository is left for a look (the usage file is removed):\n` +
        `  git -C ${repo} log --all --oneline --graph\n` +
        `  node bin/costopt.js proposals --repo ${repo}\n`
    : `Finished in ${((Date.now() - started) / 1000).toFixed(1)} s; its temporary folder is removed. ` +
        "`npm run demo -- --keep` leaves the repository for a look.\n",
);

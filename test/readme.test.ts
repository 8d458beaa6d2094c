import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { writeExampleUsage } from "../scripts/example-usage.js";
import { withGeneratedTables } from "../scripts/readme.js";

const readme = readFileSync("README.md", "utf8");

describe("README", () => {
  it("opens with the two commands that matter on a fresh machine", () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
    const commands = firstBlock
      .split("\n")
      .map((l) => l.replace(/#.*$/, "").trim())
      .filter(Boolean);
    expect(commands).toEqual(["npm ci && npm run demo", "npm test"]);
  });

  it("documents exactly the configuration the service, --pricing and .github/costopt.yml read (npm run gen:readme)", () => {
    expect(readme).toBe(withGeneratedTables(readme));
    expect(readme).toContain("| `cpuCoreHour` |");
    expect(readme).toContain("| `prHourlyLimit` |");
  });

  it("names the Secret the operator Deployment reads", () => {
    const deployment = readFileSync("manifests/operator/deployment.yaml", "utf8");
    const secret = /secretRef:\s*\n\s*name: (\S+)/.exec(deployment)?.[1];
    expect(secret).toBeDefined();
    expect(readme).toContain(`create secret generic ${secret} `);
  });
});

/** Every line of a ```sh block that holds at least one `costopt` command, with its line in README.md. */
function shellBlocks(text: string): { line: number; code: string }[][] {
  const blocks: { line: number; code: string }[][] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```sh\s*$/.test(lines[i] ?? "")) continue;
    const block: { line: number; code: string }[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] ?? ""); i++)
      if (lines[i]?.trim()) block.push({ line: i + 1, code: (lines[i] ?? "").trim() });
    if (block.some((l) => l.code.startsWith("costopt "))) blocks.push(block);
  }
  return blocks;
}

// The lines next to costopt commands that the test does itself (and so must not change unseen).
const PREPARED = [
  "npm run --silent example-usage -- usage.om   # the OpenMetrics file the commands below read",
  "sed -i 's#^apiVersion: .*/v1$#apiVersion: costopt.dev/v1#' policies/*.yaml   # CostOptimization files only",
];

describe("README command examples", () => {
  it("every fenced costopt command runs against the bundled example and exits as its comment says", {
    timeout: 300_000,
  }, async () => {
    const lines = shellBlocks(readme).flat();
    const commands = lines.filter((l) => l.code.startsWith("costopt "));
    expect(commands.length).toBeGreaterThanOrEqual(7);
    expect(lines.filter((l) => !l.code.startsWith("costopt ")).map((l) => l.code)).toEqual(PREPARED);

    // A checkout's top folder as the README assumes it: the examples, their usage (written by the
    // same code as `npm run example-usage`), and policies/ holding the example policies.
    const top = mkdtempSync(join(tmpdir(), "costopt-readme-"));
    try {
      cpSync("manifests/examples", join(top, "manifests/examples"), { recursive: true });
      mkdirSync(join(top, "policies"));
      for (const f of readdirSync("manifests/examples").filter((f) => f.endsWith("-optimization.yaml")))
        cpSync(join("manifests/examples", f), join(top, "policies", f));
      await writeExampleUsage(join(top, "usage.om"));

      const loader = pathToFileURL(resolve("node_modules/tsx/dist/loader.mjs")).href;
      const entry = resolve("test/support/costopt-entry.ts");
      for (const { line, code } of commands) {
        const expected = Number(/#\s*exit (\d)/.exec(code)?.[1] ?? 0);
        // A real shell, so quoting and globs behave as they do for the reader.
        const r = spawnSync(
          "bash",
          ["-c", `costopt() { "${process.execPath}" --import "${loader}" "${entry}" "$@"; }\n${code}`],
          {
            cwd: top,
            encoding: "utf8",
            timeout: 120_000,
          },
        );
        expect({ line, code, status: r.status, stderr: r.status === expected ? "" : r.stderr }).toEqual({
          line,
          code,
          status: expected,
          stderr: "",
        });
        if (expected === 0 && !/ -q\b/.test(code))
          expect(r.stdout.length + r.stderr.length, `README.md:${line}: printed nothing`).toBeGreaterThan(0);
      }
    } finally {
      rmSync(top, { recursive: true, force: true });
    }
  });
});

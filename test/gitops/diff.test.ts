import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/gitops/diff.js";

function gitDiff(before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), "diff-"));
  writeFileSync(join(dir, "a"), before);
  writeFileSync(join(dir, "b"), after);
  try {
    execFileSync("git", ["diff", "--no-index", "--no-color", "a", "b"], { cwd: dir, encoding: "utf8" });
    return "";
  } catch (e) {
    // Drop git's header lines and the function context it appends to hunk headers.
    return (e as { stdout: string }).stdout
      .split("\n")
      .slice(4)
      .map((l) => l.replace(/^(@@ .* @@).*$/, "$1"))
      .join("\n");
  }
}

describe("unified diff", () => {
  it("matches git's hunks for a manifest edit", () => {
    const before = `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n")}\n`;
    const after = before
      .replace("line 3\n", "line 3 changed\n")
      .replace("line 20\n", "")
      .replace("line 25\n", "line 25\nnew\n");
    const ours = unifiedDiff("k8s/web.yaml", before, after).split("\n").slice(2).join("\n");
    expect(ours).toBe(gitDiff(before, after));
  });

  it("matches git for a file without a final newline and for lines moved around", () => {
    const before = "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7";
    const after = "b: 2\na: 1\nc: 3\nd: 4\ne: 5\nf: 6\ng: 8";
    const ours = unifiedDiff("k8s/web.yaml", before, after).split("\n").slice(2).join("\n");
    expect(ours).toBe(gitDiff(before, after));
  });

  it("shows created and deleted files against /dev/null, and nothing for equal texts", () => {
    expect(unifiedDiff("k.yaml", null, "a: 1\n")).toBe(
      "--- /dev/null\n+++ b/k.yaml\n@@ -0,0 +1,1 @@\n+a: 1\n",
    );
    expect(unifiedDiff("k.yaml", "a: 1\n", null)).toBe(
      "--- a/k.yaml\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a: 1\n",
    );
    expect(unifiedDiff("k.yaml", "a\n", "a\n")).toBe("");
  });
});

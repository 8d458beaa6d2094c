// No import cycles in src/, type-only imports included (madge counts `import type` too): a
// cycle is what makes a module impossible to read, test or move on its own.
// The same check from a shell: npm run check:cycles (npx madge --circular --extensions ts src).

import { readdirSync, readFileSync } from "node:fs";
import madge from "madge";
import { describe, expect, it } from "vitest";

describe("the module graph", () => {
  it("has no cycles, including type-only ones", async () => {
    const graph = await madge("src", { fileExtensions: ["ts"] });
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(100);
    expect(graph.circular()).toEqual([]);
  }, 60_000);
});

describe("docs/architecture.md", () => {
  it("names every folder of src/ in its module map", () => {
    const doc = readFileSync("docs/architecture.md", "utf8");
    const folders = readdirSync("src", { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.length).toBeGreaterThan(8);
    expect(folders.filter((f) => !doc.includes(`| \`${f}/\` |`))).toEqual([]);
  });
});

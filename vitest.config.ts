import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    // Generous on purpose: the suite must pass with every core busy (npm run test:stress). Tests
    // wait for the condition they assert, so a limit only decides how late a real failure is
    // reported, never whether a correct change passes.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

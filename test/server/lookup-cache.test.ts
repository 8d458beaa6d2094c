import { describe, expect, it } from "vitest";
import { TtlCache } from "../../src/server/lookup-cache.js";

describe("the admission lookup cache", () => {
  it("asks the API once per workload within the TTL, concurrent callers included", async () => {
    let t = 0;
    let calls = 0;
    const cache = new TtlCache<string>(1000, 10, () => t);
    const load = async () => `v${++calls}`;
    expect(await Promise.all([cache.get("k", load), cache.get("k", load)])).toEqual(["v1", "v1"]);
    t = 999;
    expect(await cache.get("k", load)).toBe("v1");
    t = 2500;
    expect(await cache.get("k", load)).toBe("v2");
  });

  it("does not remember failures", async () => {
    const cache = new TtlCache<string>(1000);
    await expect(cache.get("k", () => Promise.reject(new Error("API down")))).rejects.toThrow("API down");
    expect(await cache.get("k", async () => "ok")).toBe("ok");
  });
});

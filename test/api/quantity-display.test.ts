import { describe, expect, it } from "vitest";
import { measuredMemory, memorySetting } from "../../src/api/quantity.js";
import { GI, MI } from "../recommend/fixtures.js";

describe("memory in text", () => {
  it("gives a measurement its size: exact units when exact, else Mi, or Gi to one decimal from 1Gi", () => {
    expect(measuredMemory(512 * MI)).toBe("512Mi");
    expect(measuredMemory(755_539_304)).toBe("721Mi");
    expect(measuredMemory(1.4 * GI + 12_345)).toBe("1.4Gi");
    // Just under 1Gi does not read "1024Mi".
    expect(measuredMemory(GI - 100_000)).toBe("1.0Gi");
    expect(measuredMemory(300_000)).toBe("293Ki");
    expect(measuredMemory(0)).toBe("0");
  });

  it("writes a setting exactly, in the units its author would use", () => {
    expect(memorySetting(736 * MI)).toBe("736Mi");
    expect(memorySetting(500_000_000)).toBe("500M");
    expect(memorySetting(123_456_789)).toBe("123456789");
  });
});

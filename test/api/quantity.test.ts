import { describe, expect, it } from "vitest";
import {
  formatCpu,
  formatCpuLike,
  formatMemory,
  formatMemoryDecimal,
  formatMemoryLike,
  parseCpu,
  parseMemory,
  parseQuantity,
  QuantityError,
  quantityStyle,
} from "../../src/api/quantity.js";

describe("quantities", () => {
  it.each([
    ["250m", 250],
    ["2", 2000],
    [2, 2000],
    [0.5, 500],
    ["0.1", 100],
    ["1.5", 1500],
    ["100u", 1],
    ["1e-3", 1],
    ["1k", 1_000_000],
    [".5", 500],
  ])("CPU %j is %d millicores", (input, millicores) => {
    expect(parseCpu(input)).toBe(millicores);
  });

  it.each([
    ["128Mi", 128 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1.5Gi", 1.5 * 2 ** 30],
    ["500M", 500e6],
    ["1G", 1e9],
    ["64Ki", 65536],
    ["1e6", 1e6],
    ["1E9", 1e9],
    ["2Ti", 2 * 2 ** 40],
    [1048576, 1048576],
    ["1000", 1000],
  ])("memory %j is %d bytes", (input, bytes) => {
    expect(parseMemory(input)).toBe(bytes);
  });

  it.each(["", "abc", "1.2.3", "12Mb", "1 Gi", "Gi", "--1", "1e", "NaN", "Infinity", "0x10"])(
    "rejects %j with an error, never NaN",
    (input) => {
      expect(() => parseQuantity(input)).toThrow(QuantityError);
    },
  );

  it("rejects negative resources and non-finite numbers", () => {
    expect(() => parseCpu("-1")).toThrow(/negative/);
    expect(() => parseMemory("-1Mi")).toThrow(/negative/);
    expect(() => parseQuantity(Number.NaN)).toThrow(QuantityError);
    expect(() => parseQuantity(Number.POSITIVE_INFINITY)).toThrow(QuantityError);
  });

  it("formats CPU as whole cores when exact, else millicores", () => {
    expect(formatCpu(2000)).toBe("2");
    expect(formatCpu(750)).toBe("750m");
    expect(formatCpu(1500)).toBe("1500m");
    expect(formatCpu(0)).toBe("0");
    expect(formatCpu(10.2)).toBe("11m");
  });

  it("formats memory in the largest exact binary unit", () => {
    expect(formatMemory(2 ** 30)).toBe("1Gi");
    expect(formatMemory(1536 * 2 ** 20)).toBe("1536Mi");
    expect(formatMemory(100 * 2 ** 20)).toBe("100Mi");
    expect(formatMemory(1000)).toBe("1000");
    expect(formatMemoryDecimal(500e6)).toBe("500M");
  });

  it("round-trips formatted values", () => {
    for (const m of [1, 10, 250, 999, 1000, 1001, 64000]) expect(parseCpu(formatCpu(m))).toBe(m);
    for (const b of [1, 1024, 100 * 2 ** 20, 3 * 2 ** 30, 123456789])
      expect(parseMemory(formatMemory(b))).toBe(b);
  });

  it("reports the author's notation", () => {
    expect(quantityStyle("500m")).toBe("milli");
    expect(quantityStyle("64Mi")).toBe("binary");
    expect(quantityStyle("1G")).toBe("decimal");
    expect(quantityStyle("2")).toBe("plain");
    expect(quantityStyle(2)).toBe("plain");
  });

  it("writes CPU in the author's notation: millicores stay millicores, even for whole cores", () => {
    expect(formatCpuLike(1000, "2000m")).toBe("1000m");
    expect(formatCpuLike(750, "2000m")).toBe("750m");
    expect(formatCpuLike(10.2, "500m")).toBe("11m");
    expect(formatCpuLike(1000, "2")).toBe("1");
    expect(formatCpuLike(700, "1")).toBe("700m");
    expect(formatCpuLike(1000, 1.5)).toBe("1");
    expect(formatCpuLike(2000)).toBe("2");
  });

  it("writes memory in the author's notation: decimal stays decimal when exact, binary stays binary", () => {
    expect(formatMemoryLike(400e6, "500M")).toBe("400M");
    expect(formatMemoryLike(2e9, "500M")).toBe("2G");
    expect(formatMemoryLike(384 * 2 ** 20, "500M")).toBe("384Mi");
    expect(formatMemoryLike(384 * 2 ** 20, "512Mi")).toBe("384Mi");
    expect(formatMemoryLike(400e6, "512Mi")).toBe("390625Ki");
    expect(formatMemoryLike(123456, "1048576")).toBe("123456");
    expect(formatMemoryLike(2 ** 30)).toBe("1Gi");
  });
});

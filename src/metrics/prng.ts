// Deterministic randomness for the generator: the same seed writes the same bytes everywhere.

/** mulberry32: small, fast, and good enough for synthetic load; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a over the parts, so each pod and container gets its own stream from one seed. */
export function seedFrom(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join("\u0000")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Standard normal by Box-Muller. */
export function gaussian(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** Kubernetes-style random suffix characters (the alphabet of pod-template-hash and pod ids). */
export function suffix(rnd: () => number, length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += SAFE[Math.floor(rnd() * SAFE.length)];
  return s;
}

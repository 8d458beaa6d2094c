// Which files a pass reads as manifests, and why it leaves others out: the same rules for a
// committed branch (LocalForge.snapshot) and a working tree (`costopt recommend --repo`).

export const MAX_MANIFEST_BYTES = 1024 * 1024;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The file's text, or why it is not read: binary, or not valid UTF-8 (decoding would commit U+FFFD). */
export function manifestText(buf: Buffer): { text: string } | { reason: string } {
  if (buf.includes(0)) return { reason: "binary" };
  try {
    return { text: strictUtf8.decode(buf) };
  } catch {
    return { reason: "not valid UTF-8" };
  }
}

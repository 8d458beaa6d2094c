// A unified diff of two texts, for `costopt run` output and dry runs. Manifest edits are a few
// lines in a file: the common head and tail are trimmed first, so the quadratic LCS only sees the
// changed middle.

function lcsTable(a: string[], b: string[]): Uint32Array {
  const w = b.length + 1;
  const t = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      t[i * w + j] =
        a[i] === b[j]
          ? (t[(i + 1) * w + j + 1] as number) + 1
          : Math.max(t[(i + 1) * w + j] as number, t[i * w + j + 1] as number);
  return t;
}

type Line = { tag: " " | "-" | "+"; text: string };

function diffLines(a: string[], b: string[]): Line[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const out: Line[] = a.slice(0, head).map((text) => ({ tag: " ", text }));
  const t = lcsTable(am, bm);
  const w = bm.length + 1;
  let i = 0;
  let j = 0;
  while (i < am.length || j < bm.length) {
    if (i < am.length && j < bm.length && am[i] === bm[j]) {
      out.push({ tag: " ", text: am[i++] as string });
      j++;
    } else if (
      i < am.length &&
      (j === bm.length || (t[(i + 1) * w + j] as number) >= (t[i * w + j + 1] as number))
    )
      // Deletions before insertions, as git prints them.
      out.push({ tag: "-", text: am[i++] as string });
    else out.push({ tag: "+", text: bm[j++] as string });
  }
  for (const text of a.slice(a.length - tail)) out.push({ tag: " ", text });
  return out;
}

function split(text: string | null): string[] {
  if (!text) return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** git-style unified diff with 3 lines of context; "" when the texts are equal. null = absent file. */
export function unifiedDiff(path: string, before: string | null, after: string | null, context = 3): string {
  if (before === after) return "";
  const lines = diffLines(split(before), split(after));
  const out = [
    `--- ${before === null ? "/dev/null" : `a/${path}`}`,
    `+++ ${after === null ? "/dev/null" : `b/${path}`}`,
  ];
  const changed = lines.map((l, k) => (l.tag !== " " ? k : -1)).filter((k) => k >= 0);
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - context);
    let end = Math.min(lines.length, (changed[k] as number) + context + 1);
    while (k + 1 < changed.length && (changed[k + 1] as number) - context <= end) {
      k++;
      end = Math.min(lines.length, (changed[k] as number) + context + 1);
    }
    k++;
    const hunk = lines.slice(start, end);
    const oldStart = lines.slice(0, start).filter((l) => l.tag !== "+").length;
    const newStart = lines.slice(0, start).filter((l) => l.tag !== "-").length;
    const oldLen = hunk.filter((l) => l.tag !== "+").length;
    const newLen = hunk.filter((l) => l.tag !== "-").length;
    out.push(
      `@@ -${oldLen ? oldStart + 1 : oldStart},${oldLen} +${newLen ? newStart + 1 : newStart},${newLen} @@`,
    );
    for (const l of hunk) out.push(`${l.tag}${l.text}`);
  }
  return `${out.join("\n")}\n`;
}

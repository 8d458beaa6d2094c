// Line arithmetic over a file's source text. Edits are splices by offset; lines are how we
// decide what a splice may touch, so that an edit never reaches a neighbouring line.

export class SourceText {
  private readonly starts: number[] = [0];

  constructor(readonly src: string) {
    for (let i = src.indexOf("\n"); i >= 0; i = src.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  /** 0-based line holding the offset. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  lineStart(line: number): number {
    return this.starts[line] ?? this.src.length;
  }

  /** Offset just past the line's newline (or the end of the text on the last line). */
  lineEnd(line: number): number {
    return this.starts[line + 1] ?? this.src.length;
  }

  column(offset: number): number {
    return offset - this.lineStart(this.lineOf(offset));
  }

  /** True when only spaces stand between the start of the offset's line and the offset. */
  startsLine(offset: number): boolean {
    return /^ *$/.test(this.src.slice(this.lineStart(this.lineOf(offset)), offset));
  }

  /** The last line holding content of the range [start, end), ignoring trailing whitespace. */
  lastContentLine(start: number, end: number): number {
    let e = end;
    while (e > start && /\s/.test(this.src[e - 1] as string)) e--;
    return this.lineOf(Math.max(start, e - 1));
  }

  splice(start: number, end: number, insert: string): string {
    return this.src.slice(0, start) + insert + this.src.slice(end);
  }

  /** Inserts whole lines after `line`, keeping a missing final newline missing. */
  insertAfterLine(line: number, block: string): string {
    const at = this.lineEnd(line);
    if (at === this.src.length && !this.src.endsWith("\n")) return `${this.src}\n${block.replace(/\n$/, "")}`;
    return this.splice(at, at, block);
  }

  insertBeforeLine(line: number, block: string): string {
    const at = this.lineStart(line);
    return this.splice(at, at, block);
  }

  deleteLines(first: number, last: number): string {
    return this.splice(this.lineStart(first), this.lineEnd(last), "");
  }
}

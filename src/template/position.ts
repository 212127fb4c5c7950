import type { Position } from './model.js';

/** Maps string offsets (UTF-16 code units, as tree-sitter and jsonc-parser report) to 1-based line:col. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  lineCol(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  /** Offset of the start of the line holding `offset`. */
  lineStart(offset: number): number {
    const { line } = this.lineCol(offset);
    return this.starts[line - 1]!;
  }
}

/** Position of the half-open range [start, end); `end*` names the last character, as the model says. */
export function span(file: string, lines: LineIndex, start: number, end: number): Position {
  const from = lines.lineCol(start);
  const to = end > start ? lines.lineCol(end - 1) : from;
  return { file, line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
}

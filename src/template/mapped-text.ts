import type { Expr, Position } from './model.js';
import { type LineIndex, span } from './position.js';

/**
 * A string value as Packer sees it, with, for each character, the file range it was written
 * at. Escapes (`\"`, `$${`) make the decoded text shorter than its source, and inline lines
 * are joined, so positions of commands found in the text go through this map.
 */
export interface MappedText {
  file: string;
  lines: LineIndex;
  /** Decoded text; interpolations (`${var.x}`, `{{ .Path }}`) kept as written. */
  text: string;
  /** Same length as `text`, interpolations masked with `_` so a shell parser sees one plain word. */
  parseText: string;
  /** File range [starts[i], ends[i]) of each character of `text`; `null` when the text is the file itself. */
  starts: number[] | null;
  ends: number[] | null;
}

const registry = new WeakMap<Expr, MappedText | (() => MappedText)>();

/** Remember the text behind a string expression; a function is called once, when first needed. */
export function registerText(expr: Expr, text: MappedText | (() => MappedText)): void {
  registry.set(expr, text);
}

/** The mapped text behind a string expression (literal or template), if it has one. */
export function mappedText(expr: Expr): MappedText | undefined {
  const entry = registry.get(expr);
  if (typeof entry !== 'function') return entry;
  const text = entry();
  registry.set(expr, text);
  return text;
}

/** The whole of a file, mapped onto itself. */
export function fileText(file: string, lines: LineIndex, text: string): MappedText {
  return { file, lines, text, parseText: text, starts: null, ends: null };
}

function startOf(text: MappedText, index: number): number {
  return text.starts === null ? index : (text.starts[index] ?? 0);
}

function endOf(text: MappedText, index: number): number {
  return text.ends === null ? index + 1 : (text.ends[index] ?? 0);
}

/** Position in the file of the text range [start, end). */
export function textSpan(text: MappedText, start: number, end: number): Position {
  const from = startOf(text, start);
  const to = end > start ? endOf(text, end - 1) : from;
  return span(text.file, text.lines, from, to);
}

/** The characters [from, to) as a MappedText of their own, still pointing into the file. */
export function slice(text: MappedText, from: number, to: number): MappedText {
  const builder = new TextBuilder();
  for (let i = from; i < to; i++) builder.copy(text, i);
  return builder.build(text.file, text.lines);
}

/** Join texts with a newline, as Packer joins `inline` lines into one script. */
export function joinLines(parts: MappedText[]): MappedText | undefined {
  const first = parts[0];
  if (first === undefined || parts.length === 1) return first;
  const builder = new TextBuilder();
  parts.forEach((part, i) => {
    // The joining newline has no source: a zero-width mark at the end of the previous line.
    if (i > 0) builder.push('\n', builder.lastEnd(), 0);
    for (let k = 0; k < part.text.length; k++) builder.copy(part, k);
  });
  return builder.build(first.file, first.lines);
}

/** Builds a MappedText piece by piece. */
export class TextBuilder {
  private text = '';
  private parseText = '';
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  get length(): number {
    return this.text.length;
  }

  /** Decoded text from `length` on (a part just built). */
  since(index: number): string {
    return this.text.slice(index);
  }

  /** File offset where character `index` starts, and where the last one ends. */
  startAt(index: number): number {
    return this.starts[index] ?? this.lastEnd();
  }

  lastEnd(): number {
    return this.ends[this.ends.length - 1] ?? 0;
  }

  /** One decoded character written as `width` source characters at `offset` (`\"` is 2). */
  push(char: string, offset: number, width: number): void {
    this.text += char;
    this.parseText += char;
    for (let k = 0; k < char.length; k++) {
      this.starts.push(offset);
      this.ends.push(offset + width);
    }
  }

  /** Source characters taken as they are, starting at `offset`. */
  pushVerbatim(raw: string, offset: number, masked = false): void {
    this.text += raw;
    // Interpolations are masked so the shell parser sees one plain word in their place.
    this.parseText += masked ? '_'.repeat(raw.length) : raw;
    for (let k = 0; k < raw.length; k++) {
      this.starts.push(offset + k);
      this.ends.push(offset + k + 1);
    }
  }

  /** Character `index` of another mapped text, with its source range and masking. */
  copy(from: MappedText, index: number, masked = false): void {
    this.text += from.text[index] ?? '';
    this.parseText += masked ? '_' : (from.parseText[index] ?? '');
    this.starts.push(startOf(from, index));
    this.ends.push(endOf(from, index));
  }

  build(file: string, lines: LineIndex): MappedText {
    return {
      file,
      lines,
      text: this.text,
      parseText: this.parseText,
      starts: this.starts,
      ends: this.ends,
    };
  }
}

/**
 * Mask Go-template actions (`{{ .Path }}`, `{{user \`x\`}}`) that Packer expands before the
 * shell runs. `{{ .Vars }}` expands to `K=V` assignments, so it is blanked instead: the word
 * after it is the command.
 */
export function maskGoTemplates(text: MappedText): MappedText {
  if (!text.text.includes('{{')) return text;
  const parseText = text.parseText.replace(/\{\{.*?\}\}/gs, (m) =>
    (/^\{\{-?\s*\.Vars\s*-?\}\}$/.test(m) ? ' ' : '_').repeat(m.length),
  );
  return { ...text, parseText };
}

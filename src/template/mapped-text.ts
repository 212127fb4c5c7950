import type { Expr, Position } from './model.js';
import { type LineIndex, span } from './position.js';

/**
 * A string value as Packer sees it, with, for each character, the file offset it was written
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
  /** File offset of each character of `text`; `null` when the text is the file itself. */
  offsets: number[] | null;
}

const registry = new WeakMap<Expr, MappedText>();

export function registerText(expr: Expr, text: MappedText): void {
  registry.set(expr, text);
}

/** The mapped text behind a string expression (literal or template), if it has one. */
export function mappedText(expr: Expr): MappedText | undefined {
  return registry.get(expr);
}

export function fileOffset(text: MappedText, index: number): number {
  if (text.offsets === null) return index;
  if (index < text.offsets.length) return text.offsets[index]!;
  return (text.offsets[text.offsets.length - 1] ?? 0) + 1;
}

/** Position in the file of the text range [start, end). */
export function textSpan(text: MappedText, start: number, end: number): Position {
  const from = fileOffset(text, start);
  const to = end > start ? fileOffset(text, end - 1) + 1 : from;
  return span(text.file, text.lines, from, to);
}

/** Join texts with a newline, as Packer joins `inline` lines into one script. */
export function joinLines(parts: MappedText[]): MappedText | undefined {
  const first = parts[0];
  if (first === undefined) return undefined;
  if (parts.length === 1) return first;
  const offsets: number[] = [];
  let text = '';
  let parseText = '';
  parts.forEach((part, i) => {
    if (i > 0) {
      text += '\n';
      parseText += '\n';
      // The joining newline has no source; attribute it to the end of the previous line.
      offsets.push(offsets.length > 0 ? offsets[offsets.length - 1]! + 1 : 0);
    }
    text += part.text;
    parseText += part.parseText;
    for (let k = 0; k < part.text.length; k++) offsets.push(fileOffset(part, k));
  });
  return { file: first.file, lines: first.lines, text, parseText, offsets };
}

/** Builds a MappedText piece by piece. */
export class TextBuilder {
  text = '';
  parseText = '';
  readonly offsets: number[] = [];

  /** One decoded character (an escape like `\"` is two source characters at `offset`). */
  push(char: string, offset: number): void {
    this.text += char;
    this.parseText += char;
    for (let k = 0; k < char.length; k++) this.offsets.push(offset);
  }

  /** Source characters taken as they are, starting at `offset`. */
  pushVerbatim(raw: string, offset: number): void {
    this.text += raw;
    this.parseText += raw;
    for (let k = 0; k < raw.length; k++) this.offsets.push(offset + k);
  }

  /** Raw source kept verbatim but masked for the shell parser (an interpolation). */
  pushMasked(raw: string, offset: number): void {
    this.text += raw;
    this.parseText += '_'.repeat(raw.length);
    for (let k = 0; k < raw.length; k++) this.offsets.push(offset + k);
  }

  build(file: string, lines: LineIndex): MappedText {
    return { file, lines, text: this.text, parseText: this.parseText, offsets: this.offsets };
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

import type { Node } from 'web-tree-sitter';
import type { Position } from './model.js';
import { type LineIndex, span } from './position.js';

/** What converting one HCL file's tree needs: its text, positions and the problems found. */
export interface Ctx {
  file: string;
  text: string;
  lines: LineIndex;
  errors: { message: string; pos: Position }[];
}

export function nodePos(ctx: Ctx, node: Node): Position {
  return span(ctx.file, ctx.lines, node.startIndex, node.endIndex);
}

export function named(node: Node): Node[] {
  return node.namedChildren.filter((n): n is Node => n !== null && n.type !== 'comment');
}

export function all(node: Node): Node[] {
  return node.children.filter((n): n is Node => n !== null && n.type !== 'comment');
}

export function problem(ctx: Ctx, message: string, start: number, end: number): void {
  ctx.errors.push({ message, pos: span(ctx.file, ctx.lines, start, end) });
}

/** Row of a node's last character (a node can end at column 0 of the following line). */
export function endRow(node: Node): number {
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row - 1 : end.row;
}

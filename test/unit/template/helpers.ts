import { join } from 'node:path';
import type { Block, Expr, Position } from '../../../src/template/model.js';

export const fixtures = join(import.meta.dirname, '../../fixtures/template');

/** Start of a position as `line:column`, the way findings print it. */
export function at(pos: Position): string {
  return `${pos.line}:${pos.column}`;
}

/** Whole range as `line:column-endLine:endColumn`. */
export function range(pos: Position): string {
  return `${pos.line}:${pos.column}-${pos.endLine}:${pos.endColumn}`;
}

export function attribute(block: Block, name: string): Expr {
  const found = block.attributes.find((a) => a.name === name);
  if (found === undefined) throw new Error(`no attribute ${name} in ${block.type} ${block.labels.join(' ')}`);
  return found.value;
}

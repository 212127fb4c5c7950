import { renderJson } from './render/json.js';
import { renderMarkdown } from './render/markdown.js';
import type { PruneReport } from './render/rows.js';
import { renderTable } from './render/table.js';

export type { PruneReport } from './render/rows.js';
export type PruneFormat = 'table' | 'json' | 'markdown';
export const PRUNE_FORMATS: PruneFormat[] = ['table', 'json', 'markdown'];

export function renderPrune(report: PruneReport, format: PruneFormat): string {
  if (format === 'json') return renderJson(report);
  if (format === 'markdown') return renderMarkdown(report);
  return renderTable(report);
}

import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import type { PruneReport } from './rows.js';
import { renderTable } from './table.js';

export type { PruneReport } from './rows.js';
export type PruneFormat = 'table' | 'json' | 'markdown';
export const PRUNE_FORMATS: PruneFormat[] = ['table', 'json', 'markdown'];

export function renderPrune(report: PruneReport, format: PruneFormat): string {
  if (format === 'json') return renderJson(report);
  if (format === 'markdown') return renderMarkdown(report);
  return renderTable(report);
}

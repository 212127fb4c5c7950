/** The JSON report is the model itself (schema `imagegate.report/v1`), for other tools to read. */
import type { ReportModel } from './types.js';

export function renderJson(m: ReportModel): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}

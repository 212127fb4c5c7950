import { type CheckModule, fill } from '../check-api.js';
import { fileStart } from '../query.js';

/** The template is written in a given format (`json`: legacy templates). */
export interface TemplateFormatParams {
  format: 'hcl2' | 'json';
  /** Placeholders: {file}. */
  message: string;
}

export const templateFormat: CheckModule<TemplateFormatParams> = {
  prepare(p) {
    return (template) =>
      template.format === p.format
        ? template.files.map((file) => ({ message: fill(p.message, { file }), pos: fileStart(file) }))
        : [];
  },
};

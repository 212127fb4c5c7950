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
        ? [
            {
              message: fill(p.message, { file: template.path }),
              pos: fileStart(template.files[0] ?? template.path),
            },
          ]
        : [];
  },
};

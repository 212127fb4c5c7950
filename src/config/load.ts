import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { assertValid, loadSchema, makeAjv } from '../core/schema-check.js';
import { readYamlFile } from '../core/yaml-document.js';
import type { Config } from './types.js';

export const DEFAULT_CONFIG = 'imagegate.yaml';

export interface LoadedConfig {
  /** Absolute path, or undefined when no file exists and defaults are used. */
  file?: string;
  /** Directory that relative paths in the config are resolved against. */
  dir: string;
  config: Config;
  /** `file:line:col` of a JSON pointer into the file (`/images/web/template`), for errors. */
  where?: (pointer: string) => string;
}

const sectionSchemas = ['lint', 'images', 'evidence', 'stages', 'retention', 'controls'].map(
  (s) => `config/${s}.schema.json`,
);

/**
 * Load imagegate.yaml. A missing default file means "all defaults"; a missing file the user
 * named explicitly is an error.
 */
export function loadConfig(path: string | undefined): LoadedConfig {
  const explicit = path !== undefined;
  const file = resolve(path ?? DEFAULT_CONFIG);
  if (!existsSync(file)) {
    if (explicit)
      throw new UserError(`${path}: config file not found (pass --config FILE or create imagegate.yaml)`);
    return { dir: process.cwd(), config: {} };
  }
  const yaml = readYamlFile(file);
  if (yaml.data === null || yaml.data === undefined) return { file, dir: dirname(file), config: {} };
  const ajv = makeAjv(sectionSchemas);
  const validate = ajv.compile(loadSchema('imagegate.schema.json'));
  const config = assertValid<Config>(validate, yaml, 'imagegate.yaml');
  const where = (pointer: string) => {
    const { line, column } = yaml.locate(pointer);
    return `${file}:${line}:${column}`;
  };
  return { file, dir: dirname(file), config, where };
}

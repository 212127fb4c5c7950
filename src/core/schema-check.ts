import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv, AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import { UserError } from './errors.js';
import type { YamlFile } from './yaml-document.js';

const schemasDir = new URL('../../schemas/', import.meta.url);

/** Load a JSON schema shipped in `schemas/` (relative path such as `imagegate.schema.json`). */
export function loadSchema(relative: string): AnySchema {
  return JSON.parse(readFileSync(new URL(relative, schemasDir), 'utf8')) as AnySchema;
}

/** One ajv for all shipped schemas, so `$ref`s between them resolve by `$id`. */
export function makeAjv(extra: string[] = []): Ajv {
  // Required when first used, not imported: a suite load runs a precompiled validator and need
  // not pay ajv's ~0.25 s import (this module's error formatting serves both).
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  // verbose: errors carry their schema, so a pattern error can quote the field's description.
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, verbose: true });
  for (const rel of extra) ajv.addSchema(loadSchema(rel));
  return ajv;
}

/**
 * Validate a parsed YAML file; on failure throw one line naming the file, line, key and what
 * was expected (the most specific error, since ajv reports every branch of a oneOf).
 */
export function assertValid<T>(validate: ValidateFunction, file: YamlFile, what: string, exitCode = 2): T {
  if (validate(file.data)) return file.data as T;
  const err = mostSpecific(validate.errors ?? []);
  // An unknown key is best shown where it is written, not at its parent.
  const extra =
    err.keyword === 'additionalProperties'
      ? (err.params as { additionalProperty?: string }).additionalProperty
      : undefined;
  const pointer =
    extra === undefined
      ? err.instancePath
      : `${err.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const { line, column } = file.locate(pointer);
  const key = pointer ? pointer.slice(1).replace(/\//g, '.') : '(top level)';
  throw new UserError(
    `${file.file}:${line}:${column}: invalid ${what}: ${key}: ${describe(err, valueAt(file.data, pointer))}`,
    exitCode,
  );
}

function mostSpecific(errors: ErrorObject[]): ErrorObject {
  const sorted = [...errors].sort((a, b) => b.instancePath.length - a.instancePath.length);
  return sorted.find((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf') ?? sorted[0]!;
}

function valueAt(data: unknown, pointer: string): unknown {
  let node = data;
  for (const part of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

function describe(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys(
        (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {},
      );
      const guess = closest(String(p.additionalProperty), allowed);
      const known = allowed.length ? `; allowed here: ${allowed.join(', ')}` : '; see the schema in schemas/';
      return `unknown key "${String(p.additionalProperty)}"${guess ? ` (did you mean "${guess}"?)` : ''}${known}`;
    }
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}${value === undefined ? '' : `, not ${JSON.stringify(value)}`}`;
    case 'required':
      return `missing required key "${String(p.missingProperty)}"`;
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((v) => String(v));
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`;
    }
    case 'type':
      // YAML reads 111111111111 or 0644 as numbers; ids and modes must be quoted to stay exact.
      if (p.type === 'string' && typeof value === 'number') return `must be a string: quote it ("${value}")`;
      // `installed true` under a key: YAML reads one text where two words were meant as key: value.
      if (p.type === 'object' && typeof value === 'string') {
        const word = /^([A-Za-z][\w-]*)\s+\S/.exec(value)?.[1];
        if (word) return `must be object: it reads as text; is a ":" missing after "${word}"?`;
      }
      return `must be ${String(p.type)}`;
    case 'pattern': {
      // The bare regex says what, the schema's description (with its example) says what to do.
      // The value is not echoed: a secret pasted into the wrong field must not reach a CI log.
      const about = (e.parentSchema as { description?: string } | undefined)?.description;
      return `must match pattern "${String(p.pattern)}"${about ? ` (${about})` : ''}`;
    }
    default:
      return e.message ?? e.keyword;
  }
}

/** The allowed word nearest to a misspelt one, when it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (!best || d < best.d) best = { c, d };
  }
  return best && best.d <= Math.max(1, Math.floor(word.length / 3)) ? best.c : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

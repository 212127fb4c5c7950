import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { timerMilliseconds } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import type { LoadedConfig } from './load.js';
import type { ImageConfig } from './types.js';

/** An image from imagegate.yaml with every path made absolute. */
export interface ImageEntry {
  name: string;
  template: string;
  varFiles: string[];
  vars: Record<string, string | number | boolean>;
  only: string[];
  inputs: string[];
  suites: string[];
  suiteVars: string[];
  timeoutMs: number;
  test: NonNullable<ImageConfig['test']>;
}

const DEFAULT_TIMEOUT_MS = 60 * 60_000;

/** Milliseconds in a duration setting used as a timer; nonsense, or past the timer limit, is bad input. */
export function parseDuration(text: string): number {
  const t = timerMilliseconds(text);
  if ('problem' in t) throw new UserError(t.problem);
  return t.ms;
}

/** `builtin:NAME` suites stay as they are; files resolve against imagegate.yaml's directory. */
function suitePath(dir: string, s: string): string {
  return s.startsWith('builtin:') ? s : resolve(dir, s);
}

export function imageEntries(loaded: LoadedConfig): ImageEntry[] {
  const { dir, config } = loaded;
  return Object.entries(config.images ?? {}).map(([name, img]) => ({
    name,
    template: existingTemplate(loaded, name, img.template),
    varFiles: (img.varFiles ?? []).map((f) => resolve(dir, f)),
    vars: img.vars ?? {},
    only: img.only ?? [],
    inputs: (img.inputs ?? []).map((f) => resolve(dir, f)),
    suites: (img.suites ?? []).map((s, i) =>
      existingFile(loaded, `/images/${name}/suites/${i}`, suitePath(dir, s), s),
    ),
    suiteVars: (img.suiteVars ?? []).map((f, i) =>
      existingFile(loaded, `/images/${name}/suiteVars/${i}`, resolve(dir, f), f),
    ),
    timeoutMs: img.timeout ? parseDuration(img.timeout) : DEFAULT_TIMEOUT_MS,
    test: img.test ?? {},
  }));
}

/** A suite or vars file that does not exist is bad input at its line, before anything is built. */
function existingFile(loaded: LoadedConfig, pointer: string, path: string, written: string): string {
  if (path.startsWith('builtin:') || existsSync(path)) return path;
  const where = loaded.where?.(pointer) ?? loaded.file ?? 'imagegate.yaml';
  const key = pointer
    .slice(1)
    .replaceAll('/', '.')
    .replace(/\.(\d+)$/, '[$1]');
  throw new UserError(
    `${where}: ${key}: ${written} does not exist (paths are relative to ${loaded.dir}): fix the path`,
  );
}

/** A template path that does not exist is bad input, said once with where it is written. */
function existingTemplate(loaded: LoadedConfig, name: string, template: string): string {
  const path = resolve(loaded.dir, template);
  if (!existsSync(path)) {
    const where = loaded.where?.(`/images/${name}/template`) ?? loaded.file ?? 'imagegate.yaml';
    throw new UserError(
      `${where}: images.${name}.template: ${template} does not exist (paths are relative to ${loaded.dir}): fix the path`,
    );
  }
  return path;
}

/**
 * The images a command works on: the named ones (an unknown name is an error listing the
 * known ones), or all of them.
 */
export function selectImages(
  all: ImageEntry[],
  names: string[],
  configFile: string | undefined,
): ImageEntry[] {
  if (all.length === 0) {
    throw new UserError(
      `${configFile ?? 'imagegate.yaml'}: no images configured: add an \`images:\` entry (see docs/configuration.md)`,
    );
  }
  if (names.length === 0) return all;
  const byName = new Map(all.map((i) => [i.name, i]));
  return names.map((n) => {
    const hit = byName.get(n);
    if (!hit)
      throw new UserError(`unknown image "${n}": configured images are ${[...byName.keys()].join(', ')}`);
    return hit;
  });
}

/** The suites each configured image must pass, with the vars they render with (absolute paths). */
export interface ImageSuites {
  suites: string[];
  suiteVars: string[];
}

/** What promote checks a verdict against: read without checking templates, which promote never reads. */
export function imageSuiteSettings(loaded: LoadedConfig): Record<string, ImageSuites> {
  const { dir, config } = loaded;
  return Object.fromEntries(
    Object.entries(config.images ?? {}).map(([name, img]) => [
      name,
      {
        suites: (img.suites ?? []).map((s) => suitePath(dir, s)),
        suiteVars: (img.suiteVars ?? []).map((f) => resolve(dir, f)),
      },
    ]),
  );
}

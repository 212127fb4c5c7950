import { join } from 'node:path';
import type { ImageEntry } from '../config/images.js';
import type { BuildEvent } from './machine-readable.js';
import { type BuildResult, type PackerInfo, packerBuild } from './packer.js';
import { type Stamp, stampEnv } from './stamp.js';

export interface ImageBuild extends BuildResult {
  image: string;
}

/** Build one configured image; progress goes to `onEvent` keyed by Packer build name. */
export async function buildImage(
  img: ImageEntry,
  packer: PackerInfo,
  stamp: Stamp,
  opts: {
    logDir: string;
    onEvent?: (e: BuildEvent) => void;
    signal?: AbortSignal;
    keepOnError?: boolean;
    dockerBases?: Record<string, string>;
  },
): Promise<ImageBuild> {
  const result = await packerBuild(packer, {
    template: img.template,
    varFiles: img.varFiles,
    vars: img.vars,
    only: img.only,
    env: { ...stampEnv(stamp), IMAGEGATE_IMAGE: img.name },
    timeoutMs: img.timeoutMs,
    logFile: join(opts.logDir, `${img.name}-${stamp.runId}.log`),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.keepOnError ? { keepOnError: true } : {}),
    ...(opts.dockerBases ? { dockerBases: opts.dockerBases } : {}),
  });
  return { ...result, image: img.name };
}

/** One line per build event for progress displays. */
export function describeEvent(e: BuildEvent): { key: string; status: string; detail: string } | undefined {
  switch (e.kind) {
    case 'say':
    case 'error':
      return e.build
        ? { key: e.build, status: 'building', detail: withoutBuildPrefix(e.build, e.text) }
        : undefined;
    case 'finished':
      return { key: e.build, status: 'built', detail: '' };
    case 'errored':
      return { key: e.build, status: 'failed', detail: e.text };
    case 'artifact':
    case 'output':
      return undefined;
  }
}

/** Packer prefixes every line with `docker.web:` or `docker.web (docker-tag):`; the display already shows it. */
function withoutBuildPrefix(build: string, text: string): string {
  return text.startsWith(build) ? text.slice(build.length).replace(/^(?: \([^)]*\))?:\s*/, '') : text;
}

import { execFile, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { UserError } from '../core/errors.js';
import { type BuiltArtifact, testableArtifacts } from './artifacts.js';
import { type DockerBaseInfo, withBases } from './bases.js';
import {
  type BuildBase,
  type BuildEvent,
  type BuildResource,
  MachineReadableState,
  parseMachineLine,
  type StepContext,
} from './machine-readable.js';

const run = promisify(execFile);

export interface PackerInfo {
  path: string;
  version: string;
}

/** Locate Packer and read its version; a missing Packer is bad infrastructure, not a bug. */
export async function findPacker(bin = process.env.IMAGEGATE_PACKER ?? 'packer'): Promise<PackerInfo> {
  try {
    const { stdout } = await run(bin, ['version'], { timeout: 20_000 });
    const version = /v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1];
    if (!version) throw new Error(`unexpected output: ${stdout.trim()}`);
    return { path: bin, version };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(
        process.env.IMAGEGATE_PACKER === undefined || bin !== process.env.IMAGEGATE_PACKER
          ? 'packer not found on PATH: install it (Debian: apt-get install packer) or set IMAGEGATE_PACKER'
          : `IMAGEGATE_PACKER=${bin}: no such program: point it at the packer binary, or unset it to use the one on PATH`,
      );
    }
    throw new UserError(`cannot run \`${bin} version\`: ${(err as Error).message}`);
  }
}

export interface BuildRequest {
  /** Template file or directory. */
  template: string;
  varFiles?: string[];
  vars?: Record<string, string | number | boolean>;
  only?: string[];
  /** Environment injected for the lesson's tags (SHA, time, OS, builder). */
  env: Record<string, string>;
  timeoutMs: number;
  logFile: string;
  onEvent?: (e: BuildEvent) => void;
  /**
   * Docker base references per build name (`docker.web` → `debian:bookworm`) from the template,
   * for builds that do not pull (`pull = false`) and so never print which image they used.
   */
  dockerBases?: Record<string, string>;
  /** Aborting stops Packer's process group: SIGINT first so it cleans up, SIGKILL after a grace period. */
  signal?: AbortSignal;
  /**
   * `-on-error=abort`: a failed build keeps its container/instance for inspection instead of
   * cleaning up. For local debugging; the caller tells the user how to remove what is left.
   */
  keepOnError?: boolean;
}

export interface BuildResult {
  ok: boolean;
  exitCode: number | null;
  artifacts: BuiltArtifact[];
  errors: { build: string; text: string }[];
  /** Packer refused the template before any build ran (one line each). */
  templateErrors: string[];
  durationMs: number;
  timedOut: boolean;
  aborted: boolean;
  /** Packer's output as a person reads it; `machineLogFile` keeps the -machine-readable stream. */
  logFile: string;
  machineLogFile: string;
  /**
   * Per failed build: the step it was on and the last lines it printed (the real error); with
   * `keepOnError`, what it left running.
   */
  failures: ({ build: string; error: string; kept?: BuildResource[] } & StepContext)[];
}

/** The argument vector for `packer build`; pure so it can be checked without running Packer. */
export function packerArgs(
  req: Pick<BuildRequest, 'template' | 'varFiles' | 'vars' | 'only' | 'keepOnError'>,
): {
  cwd: string;
  args: string[];
} {
  const abs = resolve(req.template);
  const isDir = statSync(abs, { throwIfNoEntry: false })?.isDirectory() ?? false;
  const cwd = isDir ? abs : dirname(abs);
  const args = [
    'build',
    '-machine-readable',
    '-color=false',
    req.keepOnError ? '-on-error=abort' : '-on-error=cleanup',
  ];
  if (req.only?.length) args.push(`-only=${req.only.join(',')}`);
  for (const f of req.varFiles ?? []) args.push(`-var-file=${resolve(f)}`);
  for (const [k, v] of Object.entries(req.vars ?? {})) args.push('-var', `${k}=${String(v)}`);
  args.push(isDir ? '.' : basename(abs));
  return { cwd, args };
}

const GRACE_MS = 30_000;

export async function packerBuild(packer: PackerInfo, req: BuildRequest): Promise<BuildResult> {
  const { cwd, args } = packerArgs(req);
  mkdirSync(dirname(req.logFile), { recursive: true });
  const machineLogFile = req.logFile.replace(/(\.log)?$/, '.machine.log');
  const log = createWriteStream(machineLogFile);
  const human = createWriteStream(req.logFile);
  const started = Date.now();
  // detached: Packer gets its own process group, so stopping it also stops the plugins it spawned.
  const child = spawn(packer.path, args, {
    cwd,
    env: { ...process.env, ...req.env, PACKER_NO_COLOR: '1', CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const state = new MachineReadableState();
  let timedOut = false;
  let aborted = false;
  const stopGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      /* already gone */
    }
  };
  const stop = () => {
    stopGroup('SIGINT');
    setTimeout(() => stopGroup('SIGKILL'), GRACE_MS).unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, req.timeoutMs);
  const onAbort = () => {
    aborted = true;
    stop();
  };
  req.signal?.addEventListener('abort', onAbort, { once: true });

  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    log.write(`${line}\n`);
    const parsed = parseMachineLine(line);
    if (!parsed) return;
    const text = MachineReadableState.text(parsed);
    if (text !== undefined) human.write(`${text}\n`);
    for (const e of state.feed(parsed)) req.onEvent?.(e);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
    human.write(chunk);
  });

  const exitCode = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code) => res(code));
  });
  clearTimeout(timer);
  req.signal?.removeEventListener('abort', onAbort);
  await Promise.all([new Promise<void>((r) => log.end(r)), new Promise<void>((r) => human.end(r))]);
  return {
    ok: exitCode === 0 && !timedOut && !aborted,
    exitCode,
    artifacts: await withBases(
      testableArtifacts(state.artifacts),
      new Map<string, BuildBase>([
        ...Object.entries(req.dockerBases ?? {}).map(([build, reference]): [string, BuildBase] => [
          build,
          { kind: 'docker-image', reference },
        ]),
        // What Packer said it pulled wins over what the template spells.
        ...state.bases,
      ]),
      inspectDockerBase,
    ),
    errors: state.errors,
    templateErrors: [...state.templateErrors],
    durationMs: Date.now() - started,
    timedOut,
    aborted,
    logFile: req.logFile,
    machineLogFile,
    failures: state.errors.map((e) => ({
      build: e.build,
      error: e.text,
      ...(state.context(e.build) ?? { tail: [] }),
      ...(req.keepOnError && state.resourcesOf(e.build).length ? { kept: state.resourcesOf(e.build) } : {}),
    })),
  };
}

/** The engine's view of a base image the docker builder pulled; undefined when it cannot tell. */
async function inspectDockerBase(reference: string): Promise<DockerBaseInfo | undefined> {
  const { default: Docker } = await import('dockerode');
  const info = await new Docker().getImage(reference).inspect();
  return { id: info.Id, repoDigests: info.RepoDigests ?? [] };
}

import { randomBytes } from 'node:crypto';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { imageEntries, selectImages } from '../config/images.js';
import { loadConfig } from '../config/load.js';
import { mapLimit } from '../core/pool.js';
import { changedImageNames } from '../gate/select.js';
import type { BuildResource } from '../packer/machine-readable.js';
import { findPacker } from '../packer/packer.js';
import { buildImage, describeEvent } from '../packer/run.js';
import { makeStamp } from '../packer/stamp.js';
import { interruptSignal } from './interrupt.js';
import { concurrencyOption, configOption, quietOption } from './options.js';
import { terminalOutput } from './output.js';
import { makeProgress, outputLine } from './progress.js';

interface BuildOptions {
  config?: string;
  changedSince?: string;
  concurrency: number;
  logDir: string;
  json?: boolean;
  quiet?: boolean;
  keepOnError?: boolean;
  verbose?: boolean;
}

/** How to look inside what a failed build left, and how to remove it: one command each. */
export function keptAdvice(kept: BuildResource): string[] {
  if (kept.kind === 'docker-container')
    return [
      `kept for inspection: docker container ${kept.id.slice(0, 12)}`,
      `  look inside: docker exec -it ${kept.id.slice(0, 12)} /bin/sh`,
      `  remove it:   docker rm -f ${kept.id.slice(0, 12)}`,
    ];
  return [
    `kept for inspection: EC2 instance ${kept.id} (with Packer's temporary key pair and security group, if it made them)`,
    `  look inside: connect as the template's ssh_username with the key Packer made (see the log), or use SSM Session Manager`,
    `  remove it:   aws ec2 terminate-instances --instance-ids ${kept.id}   (then delete the packer_* key pair and security group)`,
  ];
}

export function register(program: Command): void {
  program
    .command('build')
    .summary('run Packer for images in imagegate.yaml and collect their artifacts')
    .description(
      'Build images with Packer (-machine-readable; -on-error=cleanup unless --keep-on-error) and list what each produced. ' +
        "GIT_SHA, IMAGEGATE_BUILD_TIME, IMAGEGATE_BUILDER, IMAGEGATE_RUN_ID and IMAGEGATE_IMAGE (the image's name in imagegate.yaml) are set in Packer's " +
        'environment so templates can label images with where they came from (read them with env() in variable defaults).',
    )
    .argument('[image...]', 'images to build (default: all in imagegate.yaml)')
    .addOption(configOption('configuration file', true))
    .option('--changed-since <ref>', 'only images whose inputs changed since this git ref')
    .addOption(concurrencyOption('images built at once', 2))
    .option('--log-dir <dir>', 'where full Packer logs are kept', '.imagegate/logs')
    .option('--json', 'print results as JSON on stdout')
    .option(
      '--keep-on-error',
      "local debugging: a failed build keeps its container/instance (Packer -on-error=abort) and imagegate prints how to look inside and remove it; don't use in CI",
    )
    .option(
      '-v, --verbose',
      'stream each line the provisioners print (apt, scripts) to stderr as it comes; it is always in the log',
    )
    .addOption(quietOption())
    .addHelpText(
      'after',
      '\nExamples:\n  imagegate build                       # every image\n  imagegate build web --log-dir logs    # one image\n  imagegate build --changed-since origin/main\n  imagegate build web --keep-on-error   # a failed build leaves its container to docker exec into\n\nExit codes: 0 every build produced artifacts, 1 a build failed, 2 bad input or no Packer, 130/143 interrupted.',
    )
    .action(async (names: string[], opts: BuildOptions) => {
      process.exitCode = await runBuild(names, opts);
    });
}

async function runBuild(names: string[], opts: BuildOptions): Promise<number> {
  const out = terminalOutput({ quiet: opts.quiet ?? false });
  const loaded = loadConfig(opts.config);
  let images = selectImages(imageEntries(loaded), names, loaded.file);
  if (opts.changedSince) {
    const chosen = new Set(await changedImageNames(loaded, images, opts.changedSince));
    images = images.filter((i) => chosen.has(i.name));
    if (images.length === 0) {
      out.progress(`no image changed since ${opts.changedSince}: nothing to build`);
      if (opts.json) out.result(JSON.stringify({ builds: [] }));
      return 0;
    }
  }
  const concurrency = opts.concurrency;
  const packer = await findPacker();
  const stamp = makeStamp(loaded.dir, randomBytes(4).toString('hex'));
  const verbose = Boolean(opts.verbose && !opts.quiet);
  const progress = makeProgress(process.stderr, { quiet: opts.quiet ?? false, plain: verbose });
  if (opts.keepOnError && process.env.CI)
    out.progress(
      'imagegate: --keep-on-error in CI: a failed build leaves its container or instance running until you remove it',
    );
  const interrupt = interruptSignal();
  const settled = new Set<string>();
  try {
    const results = await mapLimit(images, concurrency, (img) =>
      buildImage(img, packer, stamp, {
        logDir: resolve(opts.logDir),
        signal: interrupt.signal,
        ...(opts.keepOnError ? { keepOnError: true } : {}),
        onEvent: (e) => {
          if (verbose && e.kind === 'output') process.stderr.write(outputLine(img.name, e.build, e.text));
          const line = describeEvent(e);
          if (!line) return;
          const key = `${img.name} ${line.key}`;
          // Packer keeps talking after a build finished (artifact summaries); the verdict is in.
          if (settled.has(key)) return;
          if (line.status !== 'building') settled.add(key);
          // Packer winds a cancelled build down as if it finished: it was not built.
          const status = interrupt.signal.aborted && line.status === 'built' ? 'interrupted' : line.status;
          progress.update(key, status, line.detail);
        },
      }),
    );
    progress.done();
    if (opts.json) {
      out.result(JSON.stringify({ runId: stamp.runId, gitSha: stamp.gitSha, builds: results }, null, 2));
    } else {
      for (const r of results) {
        const what = r.ok
          ? `${r.artifacts.length} artifact(s)`
          : r.timedOut
            ? 'timed out'
            : r.aborted
              ? 'interrupted'
              : 'FAILED';
        out.result(
          `${r.image}: ${what} in ${(r.durationMs / 1000).toFixed(1)}s (log: ${relative(process.cwd(), r.logFile) || r.logFile})`,
        );
        for (const a of r.artifacts)
          out.result(
            `  ${a.kind} ${a.id}${a.kind === 'ami' ? ` (${a.region})` : a.tags.length ? ` (${a.tags.join(', ')})` : ''}`,
          );
        if (r.failures.length === 0)
          for (const e of r.templateErrors) out.result(`  error: ${e.replace(/^Error: /, '')}`);
        for (const f of r.failures) {
          out.result(`  error: ${f.build}${f.step ? ` ${f.step}` : ''}: ${f.error}`);
          for (const line of f.tail) out.result(`    ${line}`);
          for (const k of f.kept ?? []) for (const line of keptAdvice(k)) out.result(`  ${line}`);
        }
        if (opts.keepOnError && r.failures.length > 0 && !r.failures.some((f) => f.kept?.length))
          out.result(
            '  Packer skipped its cleanup (--keep-on-error): remove whatever the build started by hand (the log says what)',
          );
      }
    }
    const sig = interrupt.received();
    if (sig) return sig === 'SIGINT' ? 130 : 143;
    return results.every((r) => r.ok) ? 0 : 1;
  } finally {
    interrupt.dispose();
  }
}

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { imageEntries, selectImages } from '../config/images.js';
import { loadConfig } from '../config/load.js';
import { UserError } from '../core/errors.js';
import { changedSelection } from '../gate/select.js';
import { configOption } from './options.js';
import { terminalOutput } from './output.js';

interface PlanOptions {
  config?: string;
  changedSince?: string;
  json?: boolean;
  stale?: boolean;
  out: string;
  region?: string;
}

export function register(program: Command): void {
  program
    .command('plan')
    .summary('list the images a gate run would build, for CI matrix fan-out')
    .description(
      'Print the images selected from imagegate.yaml (all, or those whose inputs changed since a ' +
        'git ref) and why. With --json the output feeds a CI matrix: one gate job per image.',
    )
    .argument('[image...]', 'restrict to these images')
    .addOption(configOption('configuration file', true))
    .option(
      '--changed-since <ref>',
      'only images whose template, var files, provisioner files, suites or inputs changed',
    )
    .option('--json', 'print {"images":[...],"include":[{"image":...}]} for a matrix')
    .option(
      '--stale',
      'only images whose source_ami_filter or docker base tag now resolves to a newer image than their last promoted build used',
    )
    .option(
      '--out <dir>',
      '--stale: the directory gate wrote verdicts/ and promotions.jsonl to',
      '.imagegate',
    )
    .option('--region <region>', '--stale: region for source_ami_filter when the template names none')
    .addHelpText(
      'after',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, printed as is
      '\nGitHub Actions:\n  - id: plan\n    run: echo "matrix=$(imagegate plan --json --changed-since origin/main)" >> "$GITHUB_OUTPUT"\n  # then: strategy.matrix: ${{ fromJSON(steps.plan.outputs.matrix) }}',
    )
    .action(async (names: string[], opts: PlanOptions) => {
      const out = terminalOutput();
      const loaded = loadConfig(opts.config);
      const images = selectImages(imageEntries(loaded), names, loaded.file);
      if (opts.stale) {
        if (opts.changedSince)
          throw new UserError('--stale and --changed-since select differently: pass one');
        const [{ staleImages }, { liveStaleDeps }] = await Promise.all([
          import('../gate/stale.js'),
          import('../gate/stale-sources.js'),
        ]);
        const region = opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
        const rows = await staleImages(images, resolve(opts.out), liveStaleDeps(), region ? { region } : {});
        const stale = rows.filter((r) => r.status === 'stale');
        if (opts.json) {
          out.result(
            JSON.stringify({
              images: stale.map((r) => r.image),
              include: stale.map((r) => ({ image: r.image })),
              because: Object.fromEntries(stale.map((r) => [r.image, [r.detail]])),
              unknown: Object.fromEntries(
                rows.filter((r) => r.status === 'unknown').map((r) => [r.image, r.detail]),
              ),
            }),
          );
          return;
        }
        for (const r of rows) out.result(`${r.image}\t${r.status}: ${r.detail}`);
        return;
      }
      const selection = opts.changedSince
        ? await changedSelection(loaded, images, opts.changedSince)
        : images.map((i) => ({ name: i.name, selected: true, because: ['(all images)'] }));
      const chosen = selection.filter((s) => s.selected);
      if (opts.json) {
        out.result(
          JSON.stringify({
            images: chosen.map((s) => s.name),
            include: chosen.map((s) => ({ image: s.name })),
            because: Object.fromEntries(chosen.map((s) => [s.name, s.because])),
          }),
        );
        return;
      }
      for (const s of selection) {
        out.result(s.selected ? `${s.name}\t${s.because.join(', ')}` : `${s.name}\t(unchanged: skipped)`);
      }
    });
}

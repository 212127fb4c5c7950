import { execFileSync, spawnSync } from 'node:child_process';

/**
 * A real image built from debian:bookworm, distinct per content, labelled so `sweep --run-id`
 * finds leaks. It keeps only a marker file (and any `keep` files from Debian, e.g. its identity
 * files), not Debian's 80 MB root layer: pushing that (gzip on 2 cores) took ~70 s and proves
 * nothing more about promotion. Returns the image id.
 */
export function buildFixtureImage(tag: string, content: string, runId: string, keep: string[] = []): string {
  const dockerfile = [
    'FROM debian:bookworm AS base',
    `RUN echo '${content.replace(/'/g, '')}' > /etc/imagegate-fixture`,
    'FROM scratch',
    `COPY --from=base ${[...keep, '/etc/imagegate-fixture'].join(' ')} /etc/`,
    '',
  ].join('\n');
  return buildLabelledImage(tag, dockerfile, runId);
}

/** Build `dockerfile` (no context) as `tag`, labelled for `sweep --run-id`; returns the image id. */
export function buildLabelledImage(tag: string, dockerfile: string, runId: string): string {
  execFileSync(
    'docker',
    [
      'build',
      '-q',
      '--label',
      'imagegate:ephemeral=true',
      '--label',
      `imagegate:run-id=${runId}`,
      '-t',
      tag,
      '-',
    ],
    { input: dockerfile, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', tag], {
    encoding: 'utf8',
  }).trim();
}

/** Remove every image a run labelled, tags and all (an afterAll for the tests that build them). */
export function removeFixtureImages(runId: string): void {
  const ids = execFileSync(
    'docker',
    ['images', '--filter', `label=imagegate:run-id=${runId}`, '--format', '{{.ID}}'],
    {
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter(Boolean);
  if (ids.length) spawnSync('docker', ['rmi', '--force', ...new Set(ids)], { stdio: 'ignore' });
}

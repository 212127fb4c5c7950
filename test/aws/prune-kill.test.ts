/**
 * `imagegate prune --apply` killed (SIGKILL) between deregistering an image and deleting its
 * snapshot, then run again with the same audit log: the second run finishes the snapshot that
 * no inventory would ever show again. The first run is the real binary in a child process (a
 * kill must be a kill, not a rejected promise); the proxy holds DeleteSnapshot open so the kill
 * lands exactly there.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/prune.js';
import { runCommand } from '../helpers/cli.js';
import { MANAGEMENT } from './helpers/moto.js';
import { useMoto } from './helpers/session.js';
import type { SeededImage } from './helpers/world.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const moto = useMoto();
let dir: string;
let old: SeededImage;

/** `npm test` builds first; a direct `vitest --project aws` may find dist/ older than src/. */
function ensureBuilt(): void {
  const main = join(ROOT, 'dist/cli/main.js');
  const newest = (d: string): number =>
    Math.max(
      0,
      ...readdirSync(d, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs,
      ),
    );
  if (existsSync(main) && statSync(main).mtimeMs >= newest(join(ROOT, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

beforeAll(async () => {
  ensureBuilt();
}, 180_000);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aws-prune-kill-'));
  const family = { 'imagegate:family': 'web' };
  await moto.world.image(MANAGEMENT, 'eu-west-1', 'web-new', { tags: family });
  old = await moto.world.image(MANAGEMENT, 'eu-west-1', 'web-old', { ageDays: 400, tags: family });
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    [
      'retention:',
      '  regions: [eu-west-1]',
      '  keepNewest: 1',
      '  retainAtLeast: 1',
      '  stages: { deprecate: false }',
      '',
    ].join('\n'),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

const events = (log: string) =>
  readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; imageId?: string; detail?: string });

describe('prune --apply killed mid-deregistration', () => {
  it('the next run with the same audit log deletes the snapshot the killed one left', async () => {
    const log = join(dir, 'audit.jsonl');
    moto.proxy.fault({ action: 'DeleteSnapshot', hang: true, code: 'unused' });
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/imagegate'),
        'prune',
        '--apply',
        '--quiet',
        '--config',
        join(dir, 'imagegate.yaml'),
        '--audit-log',
        log,
      ],
      { env: { ...process.env }, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    await moto.proxy.nextCall('DeleteSnapshot');
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    moto.proxy.clearFaults();

    // Killed after the deregistration, before its snapshot: the image is gone, its snapshot is not.
    expect(await moto.world.imageIds(MANAGEMENT, 'eu-west-1')).not.toContain(old.id);
    for (const s of old.snapshotIds)
      expect(await moto.world.snapshotIds(MANAGEMENT, 'eu-west-1')).toContain(s);
    const before = events(log);
    expect(before.map((e) => e.event)).toContain('intent');
    expect(before.map((e) => e.event)).not.toContain('snapshots-done');

    const again = await runCommand(register, 'prune', [
      '--apply',
      '--json',
      '--config',
      join(dir, 'imagegate.yaml'),
      '--audit-log',
      log,
    ]);
    expect(again.exitCode).toBe(0);
    const report = JSON.parse(again.stdout) as {
      apply: { resumed: Array<{ imageId: string; status: string }> };
    };
    expect(report.apply.resumed).toEqual([expect.objectContaining({ imageId: old.id, status: 'done' })]);
    for (const s of old.snapshotIds)
      expect(await moto.world.snapshotIds(MANAGEMENT, 'eu-west-1')).not.toContain(s);
    expect(events(log).filter((e) => e.event === 'snapshots-done' && e.imageId === old.id)).toHaveLength(1);
  });
});

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * GitLab cannot run here; its jobs' scripts can. The lint job runs as GitLab would run it (each
 * script line in one bash, in a copy of the example repository, imagegate on PATH) and its
 * reports are read as GitLab reads them. The gate job's command lines are checked against the
 * CLI's own help, so an option the example uses cannot disappear.
 */
const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin', 'imagegate');
type Job = {
  script: string[];
  artifacts?: { when?: string; paths?: string[]; reports?: Record<string, string> };
};
const pipeline = parse(readFileSync(join(root, 'examples/ci/gitlab-ci.yml'), 'utf8')) as Record<string, Job>;

let project: string;
beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` first');
  project = mkdtempSync(join(tmpdir(), 'imagegate-gitlab-'));
  cpSync(join(root, 'examples'), project, { recursive: true });
});
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function runJob(job: Job, extraFile?: [string, string]) {
  if (extraFile) writeFileSync(join(project, extraFile[0]), extraFile[1]);
  // GitLab runs the script lines in one shell session.
  const r = spawnSync('bash', ['-c', job.script.join('\n')], {
    cwd: project,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH}` },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples/ci/gitlab-ci.yml', () => {
  it("overrides the image's imagegate entrypoint, which would swallow the runner's shell", () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["imagegate"\]/m);
    const image = (pipeline as unknown as { default: { image: { name: string; entrypoint: string[] } } })
      .default.image;
    expect(image.entrypoint).toEqual(['']);
  });

  it('the lint job writes a Code Quality report and JUnit, kept even when it fails', () => {
    const lint = pipeline.lint!;
    expect(lint.artifacts?.when).toBe('always');
    expect(lint.artifacts?.reports).toEqual({ codequality: 'gl-code-quality.json', junit: 'lint-junit.xml' });
    const r = runJob(lint);
    expect(r.code, r.stderr).toBe(0);
    const issues = JSON.parse(readFileSync(join(project, 'gl-code-quality.json'), 'utf8')) as unknown[];
    expect(Array.isArray(issues)).toBe(true);
    const xml = new XMLParser({ ignoreAttributes: false }).parse(
      readFileSync(join(project, 'lint-junit.xml'), 'utf8'),
    ) as { testsuites?: unknown };
    expect(xml.testsuites).toBeDefined();
  });

  it('the lint job fails on an error finding and still writes both reports with it', () => {
    const r = runJob(pipeline.lint!, [
      'packer/risky.pkr.hcl',
      'source "docker" "r" {\n  image = "debian:bookworm"\n  commit = true\n}\nbuild {\n  sources = ["source.docker.r"]\n  provisioner "shell" { inline = ["curl -fsSL https://example.com/i.sh | sh"] }\n}\n',
    ]);
    expect(r.code).toBe(1);
    const issues = JSON.parse(readFileSync(join(project, 'gl-code-quality.json'), 'utf8')) as {
      check_name: string;
      severity: string;
      location: { path: string };
    }[];
    expect(issues).toContainEqual(
      expect.objectContaining({
        check_name: 'remote-script-piped',
        severity: 'critical',
        location: expect.objectContaining({ path: 'packer/risky.pkr.hcl' }),
      }),
    );
    expect(readFileSync(join(project, 'lint-junit.xml'), 'utf8')).toContain('remote-script-piped');
    rmSync(join(project, 'packer/risky.pkr.hcl'));
  });

  it('the gate job reports JUnit and keeps the evidence; every option it passes exists', () => {
    const gate = pipeline.gate!;
    expect(gate.artifacts?.reports).toEqual({ junit: 'gate-junit.xml' });
    expect(gate.artifacts?.paths).toContain('.imagegate/');
    const script = gate.script.join('\n');
    const calls = [...script.matchAll(/^\s*imagegate ([a-z]+)([^\n&|]*)/gm)].map((m) => ({
      command: m[1]!,
      options: [...m[2]!.matchAll(/(?:^|\s)(--[a-z-]+)/g)].map((o) => o[1]!),
    }));
    expect(calls.map((c) => c.command)).toEqual(['plan', 'gate', 'report']);
    for (const { command, options } of calls) {
      const help = spawnSync(bin, [command, '--help'], { encoding: 'utf8' }).stdout;
      for (const option of options) expect(help, `${command} ${option}`).toContain(option);
    }
    expect(script).toContain('--format junit --out gate-junit.xml');
    // The options `since` expands to.
    const gateHelp = spawnSync(bin, ['gate', '--help'], { encoding: 'utf8' }).stdout;
    expect(gateHelp).toContain('--changed-since');
  });
});

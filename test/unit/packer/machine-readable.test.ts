import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testableArtifacts } from '../../../src/packer/artifacts.js';
import {
  type BuildEvent,
  MachineReadableState,
  parseMachineLine,
} from '../../../src/packer/machine-readable.js';
import { packerArgs } from '../../../src/packer/packer.js';

function replay(fixture: string) {
  const state = new MachineReadableState();
  const events: BuildEvent[] = [];
  for (const line of readFileSync(new URL(`../../fixtures/packer/${fixture}`, import.meta.url), 'utf8').split(
    '\n',
  )) {
    const parsed = parseMachineLine(line);
    if (parsed) events.push(...state.feed(parsed));
  }
  return { state, events };
}

describe('machine-readable stream', () => {
  it('remembers the container a docker build started (what -on-error=abort leaves behind)', () => {
    const { state } = replay('docker-fail-1.6.6.machine.txt');
    const aborted = new MachineReadableState();
    for (const line of [
      '1,,ui,say,==> docker.app: Provisioning with shell script: /tmp/x',
      '1,,ui,error,==> docker.app: E: Unable to locate package nope',
      '1,,ui,error,==> docker.app: Step "StepProvision" failed%!(PACKER_COMMA) aborting...',
      '1,,ui,error,==> docker.app: aborted: skipping cleanup of step "StepRun"',
    ])
      aborted.feed(parseMachineLine(line)!);
    // The abort narration is not the failure's story.
    expect(aborted.context('docker.app')?.tail).toEqual(['E: Unable to locate package nope']);
    expect(state.resourcesOf('docker.app')).toEqual([
      { kind: 'docker-container', id: 'faf059dc70e2525dcd772efe4d17c3aba1b5a7b79e8a191a5451ce9072a8c61a' },
    ]);
    expect(state.resourcesOf('docker.other')).toEqual([]);
  });

  it('keeps the reason Packer refused a template before any build ran (Packer 1.6.6), on one line', () => {
    const state = new MachineReadableState();
    const line =
      '1796493406,,ui,error,Error: Failed preparing provisioner-block "file" ""\\n\\n  on app.pkr.hcl line 8:\\n  (source code not available)\\n\\napp.pkr.hcl:9%!(PACKER_COMMA)5-12: Unsupported argument; An argument named "content" is not\\nexpected here.\\n\\n';
    state.feed(parseMachineLine(line)!);
    state.feed(parseMachineLine('1796493406,,ui,say,\\n==> Builds finished but no artifacts were created.')!);
    expect(state.templateErrors).toEqual([
      'Error: Failed preparing provisioner-block "file" "" on app.pkr.hcl line 8: app.pkr.hcl:9,5-12: Unsupported argument; An argument named "content" is not expected here.',
    ]);
    expect(state.errors).toEqual([]);
  });

  it('remembers the instance an amazon build launched', () => {
    const state = new MachineReadableState();
    for (const line of [
      '1,,ui,say,==> amazon-ebs.base: Launching a source AWS instance...',
      '1,,ui,message,    amazon-ebs.base: Instance ID: i-0123456789abcdef0',
    ])
      state.feed(parseMachineLine(line)!);
    expect(state.resourcesOf('amazon-ebs.base')).toEqual([
      { kind: 'ec2-instance', id: 'i-0123456789abcdef0' },
    ]);
  });

  it('keeps the failing step of a real failed Packer 1.6.6 build and what it printed there', () => {
    const { state } = replay('docker-fail-1.6.6.machine.txt');
    expect(state.errors).toEqual([
      {
        build: 'docker.app',
        text: 'Script exited with non-zero exit status: 100.Allowed exit codes are: [0]',
      },
    ]);
    expect(state.context('docker.app')).toEqual({
      // The second provisioner failed; the first one's output is not part of its story.
      step: 'provisioner 2 (shell script)',
      tail: [
        'E: Unable to locate package no-such-pkg',
        'Reading package lists...',
        'Killing the container: faf059dc70e2525dcd772efe4d17c3aba1b5a7b79e8a191a5451ce9072a8c61a',
      ],
    });
  });

  it('renders ui lines as a person reads them, without the machine-readable columns', () => {
    const line = parseMachineLine('1796484540,,ui,error,==> docker.app: E: Unable to locate package x');
    expect(line && MachineReadableState.text(line)).toBe('docker.app: E: Unable to locate package x');
    expect(MachineReadableState.text(parseMachineLine('1,docker.app,error,boom')!)).toBeUndefined();
  });

  it('decodes escaped commas and newlines', () => {
    const line = parseMachineLine('1,amazon-ebs.x,artifact,0,id,a:1%!(PACKER_COMMA)b:2');
    expect(line?.data).toEqual(['0', 'id', 'a:1,b:2']);
    expect(parseMachineLine('not,a')).toBeUndefined();
    expect(parseMachineLine('x,y,z')).toBeUndefined();
  });

  it('reads the committed image of a real Packer 1.6.6 docker build and its docker-tag name', () => {
    const { state, events } = replay('docker-1.6.6.machine.txt');
    const artifacts = testableArtifacts(state.artifacts);
    expect(artifacts).toHaveLength(1);
    const [a] = artifacts;
    expect(a?.kind).toBe('docker-image');
    expect(a?.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a?.kind === 'docker-image' && a.tags).toEqual(['imagegate-example/worker:dev']);
    expect(events.some((e) => e.kind === 'finished' && e.build === 'docker.worker')).toBe(true);
    // Provisioning lines are attributed to their build even though Packer leaves the target empty.
    expect(
      events.some((e) => e.kind === 'say' && e.build === 'docker.worker' && /Provisioning/.test(e.text)),
    ).toBe(true);
  });

  it('splits multi-region AMI artifacts and records failed builds', () => {
    const { state, events } = replay('amazon.machine.txt');
    expect(testableArtifacts(state.artifacts)).toEqual([
      { kind: 'ami', build: 'amazon-ebs.base', id: 'ami-0abc1234def567890', region: 'us-east-1' },
      { kind: 'ami', build: 'amazon-ebs.base', id: 'ami-0fed9876cba543210', region: 'eu-west-1' },
    ]);
    expect(events.find((e) => e.kind === 'errored')).toMatchObject({ build: 'docker.broken' });
    expect(state.errors).toEqual([
      { build: 'docker.broken', text: 'Error pulling Docker image: Bad exit status: 1' },
    ]);
  });
});

describe('packer arguments', () => {
  const dir = new URL('../../../examples/packer/worker', import.meta.url).pathname;

  it('builds a directory from inside it, with cleanup on error and no colour', () => {
    const { cwd, args } = packerArgs({ template: dir, only: ['docker.worker'], vars: { image_tag: 'x y' } });
    expect(cwd).toBe(dir);
    expect(args).toEqual([
      'build',
      '-machine-readable',
      '-color=false',
      '-on-error=cleanup',
      '-only=docker.worker',
      '-var',
      'image_tag=x y',
      '.',
    ]);
  });

  it('--keep-on-error asks Packer to abort instead of cleaning up', () => {
    expect(packerArgs({ template: dir, keepOnError: true }).args).toContain('-on-error=abort');
    expect(packerArgs({ template: dir, keepOnError: true }).args).not.toContain('-on-error=cleanup');
  });

  it('builds a single file from its directory and passes var files as absolute paths', () => {
    const { cwd, args } = packerArgs({
      template: `${dir}/worker.pkr.hcl`,
      varFiles: ['examples/x.pkrvars.hcl'],
    });
    expect(cwd).toBe(dir);
    expect(args.at(-1)).toBe('worker.pkr.hcl');
    expect(args).toContain(`-var-file=${process.cwd()}/examples/x.pkrvars.hcl`);
  });
});

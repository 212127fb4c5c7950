import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import Docker from 'dockerode';
import { paint, terminalOutput } from './output.js';

const run = promisify(execFile);

type Level = 'ok' | 'warn' | 'fail';
interface Check {
  name: string;
  level: Level;
  detail: string;
  fix?: string;
}

async function tryRun(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: 15_000 });
    return `${stdout}${stderr}`.trim();
  } catch {
    return undefined;
  }
}

async function dockerCheck(): Promise<Check[]> {
  const docker = new Docker();
  try {
    const v = await docker.version();
    const images = await docker.listImages({ filters: { reference: ['debian:bookworm'] } });
    return [
      { name: 'Docker Engine', level: 'ok', detail: `${v.Version} (API ${v.ApiVersion})` },
      images.length
        ? { name: 'base image debian:bookworm', level: 'ok', detail: 'present' }
        : {
            name: 'base image debian:bookworm',
            level: 'warn',
            detail: 'missing: the examples build FROM it',
            fix: 'bash scripts/setup-host.sh (pulls it, or makes it with debootstrap when no registry answers)',
          },
    ];
  } catch (err) {
    return [
      {
        name: 'Docker Engine',
        level: 'fail',
        detail: `not reachable (${(err as Error).message.split('\n')[0]})`,
        fix: 'start dockerd (bash scripts/setup-host.sh does), or set DOCKER_HOST',
      },
    ];
  }
}

async function packerCheck(): Promise<Check> {
  const named = process.env.IMAGEGATE_PACKER;
  const out = await tryRun(named ?? 'packer', ['version']);
  const version = out && /v?(\d+\.\d+\.\d+)/.exec(out)?.[1];
  if (!version) {
    return {
      name: 'Packer',
      level: 'fail',
      detail: named === undefined ? 'not found on PATH' : `IMAGEGATE_PACKER=${named} does not run`,
      fix:
        named === undefined
          ? 'apt-get install packer, or set IMAGEGATE_PACKER'
          : 'point IMAGEGATE_PACKER at the packer binary, or unset it',
    };
  }
  const [major, minor] = version.split('.').map(Number) as [number, number];
  if (major === 1 && minor < 7) {
    return {
      name: 'Packer',
      level: 'ok',
      detail: `${version}: builders are built in (docker, amazon-ebs); required_plugins blocks are not supported`,
    };
  }
  const plugins = await tryRun('packer', ['plugins', 'installed']);
  return {
    name: 'Packer',
    level: 'ok',
    detail: `${version}; plugins: ${plugins ? plugins.split('\n').length : 0} installed`,
    ...(plugins ? {} : { fix: 'run `packer init <template dir>` to install required plugins' }),
  };
}

async function binaryCheck(name: string, bin: string, fix: string, level: Level = 'warn'): Promise<Check> {
  const found = await tryRun('sh', ['-c', `command -v ${bin}`]);
  return found ? { name, level: 'ok', detail: found } : { name, level, detail: 'not found', fix };
}

function awsCheck(): Check {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const creds =
    (process.env.AWS_ACCESS_KEY_ID ? 'environment' : undefined) ??
    (process.env.AWS_PROFILE ? `profile ${process.env.AWS_PROFILE}` : undefined) ??
    (process.env.AWS_WEB_IDENTITY_TOKEN_FILE ? 'web identity (OIDC)' : undefined) ??
    (existsSync(join(homedir(), '.aws', 'credentials')) ? '~/.aws/credentials' : undefined);
  const endpoint = process.env.AWS_ENDPOINT_URL ? `, endpoint ${process.env.AWS_ENDPOINT_URL}` : '';
  if (!creds || !region) {
    return {
      name: 'AWS',
      level: 'warn',
      detail: `${creds ? `credentials from ${creds}` : 'no credentials found'}, ${region ? `region ${region}` : 'no region'}${endpoint}`,
      fix: 'needed only for AMIs: set AWS_REGION and credentials (AWS_PROFILE, env keys or OIDC role)',
    };
  }
  return { name: 'AWS', level: 'ok', detail: `credentials from ${creds}, region ${region}${endpoint}` };
}

function registryCheck(): Check {
  const file = join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  try {
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as {
      auths?: Record<string, unknown>;
      credsStore?: string;
    };
    const hosts = Object.keys(cfg.auths ?? {});
    return {
      name: 'registry logins',
      level: 'ok',
      detail: hosts.length
        ? hosts.join(', ')
        : cfg.credsStore
          ? `credential store ${cfg.credsStore}`
          : 'none',
    };
  } catch {
    return {
      name: 'registry logins',
      level: 'warn',
      detail: 'none (fine for loopback registries)',
      fix: 'docker login REGISTRY before promoting to a registry that needs auth',
    };
  }
}

export async function runDoctor(): Promise<Check[]> {
  const [docker, packer, sshd, ssh, shellcheck] = await Promise.all([
    dockerCheck(),
    packerCheck(),
    binaryCheck('OpenSSH server', 'sshd', 'apt-get install openssh-server (for SSH integration tests)'),
    binaryCheck('OpenSSH client', 'ssh', 'apt-get install openssh-client'),
    binaryCheck(
      'ShellCheck',
      'shellcheck',
      'apt-get install shellcheck (optional second opinion on scripts)',
    ),
  ]);
  return [...docker, packer, sshd, ssh, shellcheck, awsCheck(), registryCheck()];
}

export function register(program: Command): void {
  program
    .command('doctor')
    .summary('check what this machine can do and how to fix what is missing')
    .description(
      'Checks the Docker Engine, the base image, Packer and its builders, the SSH tools, AWS credentials and region, and registry logins. Each problem comes with the command that fixes it.',
    )
    .option('--json', 'print the checks as JSON')
    .addHelpText('after', '\nExit codes: 0 everything required works, 1 something required is missing.')
    .action(async (opts: { json?: boolean }) => {
      const out = terminalOutput();
      const checks = await runDoctor();
      if (opts.json) out.result(JSON.stringify({ checks }, null, 2));
      else {
        for (const c of checks) {
          const mark = paint(
            out.color,
            c.level === 'ok' ? 'green' : c.level === 'warn' ? 'yellow' : 'red',
            c.level.padEnd(4),
          );
          out.result(`${mark} ${c.name.padEnd(28)} ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ''}`);
        }
      }
      process.exitCode = checks.some((c) => c.level === 'fail') ? 1 : 0;
    });
}

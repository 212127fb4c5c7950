import { execFileSync } from 'node:child_process';

/**
 * Integration tests need real engines. They never skip: a missing engine is a loud failure
 * that says how to start it (scripts/setup-host.sh does it all).
 */
export function requireDocker(): void {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 20_000 });
  } catch {
    throw new Error(
      'Docker Engine is not reachable: run `bash scripts/setup-host.sh` (starts dockerd) first',
    );
  }
}

export function requireBinary(name: string, hint: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${name} is not installed: ${hint}`);
  }
}

import { Command } from 'commander';
import { vi } from 'vitest';

/** Run `imagegate NAME ARGS` in-process with only that command registered; stdout and exit code. */
export async function runCommand(
  register: (program: Command) => void,
  name: string,
  args: string[],
): Promise<{ stdout: string; exitCode: number }> {
  const program = new Command('imagegate').exitOverride();
  register(program);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(['node', 'imagegate', name, ...args]);
  } finally {
    spy.mockRestore();
  }
  return { stdout, exitCode: Number(process.exitCode ?? 0) };
}

import { describe, expect, it } from 'vitest';
import { openTransport } from '../../src/transports/open.js';

describe('local transport', () => {
  it('runs sh with stdin, stderr and exit code', async () => {
    const t = await openTransport('local');
    expect(await t.exec('tr a-z A-Z; echo oops >&2; exit 5', { stdin: 'shout\n' })).toEqual({
      stdout: 'SHOUT\n',
      stderr: 'oops\n',
      exitCode: 5,
    });
    expect(t.describe()).toBe('local');
  });

  it('kills the whole process group on timeout', async () => {
    const t = await openTransport('local');
    const marker = `imagegate-local-${process.pid}`;
    await expect(t.exec(`sh -c 'sleep 30' ${marker} & wait`, { timeoutMs: 300 })).rejects.toMatchObject({
      name: 'ExecTimeoutError',
    });
    // pgrep exits 1 when nothing matches.
    const left = await t.exec(`pgrep -f ${marker}; echo rc=$?`);
    expect(left.stdout).toBe('rc=1\n');
  });
});

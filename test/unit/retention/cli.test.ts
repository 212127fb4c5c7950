import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../../../src/cli/prune.js';

// Bad configuration is refused before any AWS call. What prune does with AWS (dry run, --apply,
// --max-deletions, the audit log, reports, exit 3) runs against moto in test/aws/prune*.test.ts.
describe('imagegate prune', () => {
  it('rejects bad retention rules with the file and key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prune-cli-'));
    writeFileSync(join(dir, 'imagegate.yaml'), 'retention:\n  keepNewest: -1\n');
    const program = new Command('imagegate').exitOverride();
    register(program);
    await expect(
      program.parseAsync(['node', 'imagegate', 'prune', '--config', join(dir, 'imagegate.yaml')]),
    ).rejects.toThrow(/imagegate\.yaml:2:3: invalid imagegate\.yaml: retention\.keepNewest: must be >= 0/);
  });
});

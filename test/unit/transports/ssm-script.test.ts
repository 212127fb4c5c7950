import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_BYTES,
  chunkCommand,
  chunkCount,
  cleanupCommand,
  parseChunkOutput,
  parseRunOutput,
  runCommand,
  SSM_INLINE_LIMIT,
  unpack,
} from '../../../src/transports/ssm-script.js';
import { wrapScript } from '../../../src/transports/wrap.js';

const TOKEN = '0123456789abcdef0123456789abcdef';

/** Run a command the way the SSM agent does (a file run by sh), with /tmp redirected. */
function agent(command: string, tmp: string): string {
  return execFileSync('sh', ['-c', command.replaceAll('/tmp/.imagegate-ssm-', `${tmp}/.imagegate-ssm-`)], {
    encoding: 'utf8',
  });
}

describe('ssm script protocol', () => {
  it('keeps a hostile script as data: no expansion, no early end of the here-document', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ig-ssm-'));
    try {
      // Quoted in the script itself, so only a wrapper that expanded its text could run these.
      const hostile = `printf '%s\\n' '$(touch ${tmp}/pwned)' '\`touch ${tmp}/pwned2\`' "$HOME"\nprintf '%s\\n' IMAGEGATE_SCRIPT_x 'EOF'`;
      const out = agent(runCommand(TOKEN, wrapScript(hostile)), tmp);
      const h = parseRunOutput(out);
      const { stdout } = unpack(h, [h.first]);
      expect(stdout.toString()).toBe(
        `$(touch ${tmp}/pwned)\n\`touch ${tmp}/pwned2\`\n${process.env.HOME}\nIMAGEGATE_SCRIPT_x\nEOF\n`,
      );
      expect(execFileSync('ls', ['-A', tmp], { encoding: 'utf8' })).toBe('');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses a script holding the delimiter line rather than letting it end the document', () => {
    expect(() => runCommand(TOKEN, `echo\nIMAGEGATE_SCRIPT_${TOKEN}\nrm -rf /`)).toThrow(/delimiter/);
  });

  it('splits large output into chunks that each fit the inline limit and reassemble exactly', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ig-ssm-'));
    try {
      const script = 'head -c 100000 /dev/urandom | od -An -tx1; echo err >&2; exit 3';
      const first = agent(runCommand(TOKEN, wrapScript(script)), tmp);
      expect(first.length).toBeLessThan(SSM_INLINE_LIMIT);
      const h = parseRunOutput(first);
      expect(h.exitCode).toBe(3);
      const n = chunkCount(h);
      expect(n).toBeGreaterThan(1);
      const chunks = [h.first];
      for (let i = 1; i < n; i++) {
        const text = agent(chunkCommand(TOKEN, i), tmp);
        expect(text.length).toBeLessThan(SSM_INLINE_LIMIT);
        chunks.push(parseChunkOutput(text, i, h.encoding));
      }
      const { stdout, stderr } = unpack(h, chunks);
      expect(stdout.toString().split('\n').length).toBeGreaterThan(6000);
      expect(stderr.toString()).toBe('err\n');
      agent(cleanupCommand(TOKEN, false), tmp);
      expect(execFileSync('ls', ['-A', tmp], { encoding: 'utf8' })).toBe('');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('detects output cut short instead of returning less', () => {
    const packed = gzipSync(Buffer.from('hello\n'));
    const body = packed.toString('base64');
    const full = `IMAGEGATE-SSM 1 0 z b 6 0 ${packed.length}\n${body}\nIMAGEGATE-SSM-END\n`;
    expect(unpack(parseRunOutput(full), [parseRunOutput(full).first]).stdout.toString()).toBe('hello\n');
    expect(() => parseRunOutput(full.slice(0, full.indexOf('IMAGEGATE-SSM-END')))).toThrow(/no end marker/);
    expect(() => parseRunOutput(full.slice(0, 20))).toThrow(/no imagegate header/);
    const h = { ...parseRunOutput(full), packedBytes: 3 * CHUNK_BYTES.b };
    expect(() => unpack(h, [h.first])).toThrow(/received \d+ bytes of output, expected 48000/);
    expect(() => parseChunkOutput('IMAGEGATE-SSM-CHUNK 2\n!!!\nIMAGEGATE-SSM-END\n', 2, 'b')).toThrow(
      /not valid base64/,
    );
  });

  it('a cancel kills the run command itself, not only what it started, and leaves no directory', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'ig-ssm-'));
    try {
      const cmd = runCommand(TOKEN, wrapScript('sleep 30')).replaceAll(
        '/tmp/.imagegate-ssm-',
        `${tmp}/.imagegate-ssm-`,
      );
      const run = spawn('sh', ['-c', cmd], { stdio: 'ignore' });
      const exited = new Promise<number | null>((r) => run.on('exit', (code) => r(code)));
      const dir = join(tmp, `.imagegate-ssm-${TOKEN}`);
      for (let i = 0; i < 100 && !existsSync(join(dir, 'pid')); i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(Number(readFileSync(join(dir, 'pid'), 'utf8'))).toBe(run.pid);
      agent(cleanupCommand(TOKEN, true), tmp);
      // Killed, not finished: the outer shell never reached the part that writes into the directory.
      expect(await exited).toBe(null);
      expect(execFileSync('ls', ['-A', tmp], { encoding: 'utf8' })).toBe('');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('accepts only hex tokens in the shell text', () => {
    expect(() => chunkCommand('x; rm -rf /', 1)).toThrow(/invalid exec token/);
    expect(() => cleanupCommand('$(id)', true)).toThrow(/invalid exec token/);
  });
});

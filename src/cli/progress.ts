import type { Progress } from '../gate/progress.js';
import { paint } from './output.js';

export type { Progress } from '../gate/progress.js';

type State = { status: string; detail: string; started: number };

export function makeProgress(
  stream: NodeJS.WriteStream,
  opts: { quiet?: boolean; heartbeatMs?: number; plain?: boolean } = {},
): Progress {
  if (opts.quiet) return { update: () => {}, done: () => {} };
  // plain: other lines (verbose build output) share the stream, so nothing is redrawn.
  if (!stream.isTTY || opts.plain) return plainProgress(stream, opts.heartbeatMs);
  return ttyProgress(stream);
}

/** `-v` build output: one line per provisioner line, prefixed so concurrent builds stay apart. */
export function outputLine(image: string, build: string, text: string): string {
  // Packer prefixes each line with `null.slow:` (or `docker.web (docker-tag):`); the prefix here says it.
  const own = text.startsWith(build) ? text.slice(build.length).replace(/^(?: \([^)]*\))?: ?/, '') : text;
  return `[${stamp()}] ${image} ${build} | ${own}\n`;
}

function stamp(d = new Date()): string {
  return d.toISOString().slice(11, 19);
}

/** In CI a long provisioner must not look like a hang: a line per unfinished unit this often. */
export const HEARTBEAT_MS = 30_000;

const FINAL = /^(passed|failed|built|promoted|done|interrupted|skipped)$/;

function plainProgress(stream: NodeJS.WriteStream, heartbeatMs = HEARTBEAT_MS): Progress {
  const last = new Map<string, { line: string; status: string; since: number }>();
  let wrote = Date.now();
  const write = (text: string) => {
    stream.write(text);
    wrote = Date.now();
  };
  const timer = setInterval(
    () => {
      if (Date.now() - wrote < heartbeatMs) return;
      for (const [key, s] of last) {
        if (FINAL.test(s.status)) continue;
        write(`[${stamp()}] ${key} still ${s.status} (${Math.round((Date.now() - s.since) / 1000)}s)\n`);
      }
    },
    Math.min(heartbeatMs, 5_000),
  );
  timer.unref();
  return {
    update(key, status, detail = '') {
      const line = `${status}${detail ? `: ${detail}` : ''}`;
      const prev = last.get(key);
      if (prev?.line === line) return;
      last.set(key, { line, status, since: prev?.status === status ? prev.since : Date.now() });
      write(`[${stamp()}] ${key} ${line}\n`);
    },
    done() {
      clearInterval(timer);
    },
  };
}

function ttyProgress(stream: NodeJS.WriteStream): Progress {
  const states = new Map<string, State>();
  let drawn = 0;
  const color = !process.env.NO_COLOR;
  const draw = () => {
    if (drawn) stream.write(`\u001b[${drawn}A\u001b[0J`);
    const width = stream.columns || 100;
    const lines = [...states].map(([key, s]) => {
      const secs = Math.round((Date.now() - s.started) / 1000);
      const tone = /fail|error/.test(s.status)
        ? 'red'
        : /pass|done|built|promoted/.test(s.status)
          ? 'green'
          : 'yellow';
      const text = `${key.padEnd(24)} ${paint(color, tone, s.status.padEnd(12))} ${String(secs).padStart(4)}s  ${s.detail}`;
      return text.length > width + 10 ? `${text.slice(0, width + 9)}…` : text;
    });
    stream.write(`${lines.join('\n')}\n`);
    drawn = lines.length;
  };
  const timer = setInterval(draw, 1000);
  timer.unref();
  return {
    update(key, status, detail = '') {
      const prev = states.get(key);
      states.set(key, { status, detail, started: prev?.started ?? Date.now() });
      draw();
    },
    done() {
      clearInterval(timer);
      draw();
    },
  };
}

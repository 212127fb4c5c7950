import { stderr, stdout } from 'node:process';

/** Results go to stdout, progress and diagnostics to stderr; colour only on a TTY. */
export interface Output {
  result(text: string): void;
  progress(text: string): void;
  readonly color: boolean;
  readonly quiet: boolean;
}

export function terminalOutput(opts: { quiet?: boolean } = {}): Output {
  const color = Boolean(stdout.isTTY) && !process.env.NO_COLOR;
  const quiet = Boolean(opts.quiet);
  return {
    color,
    quiet,
    result: (text) => {
      stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    progress: (text) => {
      if (!quiet) stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, dim: 2, bold: 1 } as const;
export type Color = keyof typeof codes;

export function paint(enabled: boolean, color: Color, text: string): string {
  return enabled ? `\u001b[${codes[color]}m${text}\u001b[0m` : text;
}

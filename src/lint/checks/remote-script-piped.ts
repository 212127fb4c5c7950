import type { ShellCommand } from '../../template/model.js';
import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { hasShellProvisioner } from '../query.js';
import { hasAnyFlag, optionValue, positionals } from '../shell-args.js';
import type { Hit } from '../types.js';

/**
 * Remote code run without verification: `curl … | sh`, `bash <(curl …)`, or a script
 * downloaded to a file and executed with no checksum/signature command in between.
 */
export interface RemoteScriptPipedParams {
  fetchers: { command: string; outputOptions: string[]; remoteNameOptions?: string[] }[];
  shells: string[];
  /** Commands that verify a download (`sha256sum`, `gpg`); any of them naming the file counts. */
  verifiers: string[];
  /** Flags of a verifier that check a list of sums (`sha256sum -c SUMS`): verifies everything. */
  verifyAllFlags: string[];
  /**
   * Regex over command names that verify too: checksum helpers of a sourced library
   * (`use_checksum_comparison file "$sum"`, `verify_signature …`).
   */
  verifierNames?: string;
  /** Placeholders: {command}. */
  message: string;
  /** `bash -c "$(curl …)"`, `bash <(curl …)`. Placeholders: {shell}, {command}. */
  messageSubstitution?: string;
  /**
   * Regex over a shell command's text for a download inside it that is not a `$(…)`:
   * PowerShell's `iex (iwr …)`, `iex ((New-Object Net.WebClient).DownloadString(…))`. Only
   * for `evaluators`, the commands that run their argument as code.
   */
  fetchExpressions?: string;
  evaluators?: string[];
  /** Placeholders: {file}, {line}. */
  messageUnverified: string;
}

/** Last path segment, `/` or `\\` separated (PowerShell paths), lower-cased: Windows does not care. */
function basename(path: string): string {
  return (
    path
      .replace(/[?#].*$/, '')
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? path
  ).toLowerCase();
}

export const remoteScriptPiped: CheckModule<RemoteScriptPipedParams> = {
  applies: (_p, template) => hasShellProvisioner(template),
  prepare(p) {
    const fetcherNames = p.fetchers.map((f) => f.command);
    const substitution = new RegExp(`(<\\(|\\$\\()\\s*(${fetcherNames.join('|')})\\b`);
    const verifierName =
      p.verifierNames === undefined ? undefined : compileRegex(p.verifierNames, 'verifierNames');
    const fetchExpression =
      p.fetchExpressions === undefined ? undefined : compileRegex(p.fetchExpressions, 'fetchExpressions');
    const isVerifier = (name: string) => p.verifiers.includes(name) || (verifierName?.test(name) ?? false);
    const downloadedFile = (cmd: ShellCommand): string | undefined => {
      const spec = p.fetchers.find((f) => f.command === cmd.name);
      if (!spec) return undefined;
      const out = optionValue(cmd.args, spec.outputOptions);
      if (out !== undefined) return out === '-' ? undefined : out;
      const url = positionals(cmd.args, spec.outputOptions).find((a) => /^\w+:\/\//.test(a));
      const remoteName = spec.remoteNameOptions === undefined || hasAnyFlag(cmd.args, spec.remoteNameOptions);
      return url && remoteName ? basename(url) : undefined;
    };
    return (template) => {
      const hits: Hit[] = [];
      const pending = new Map<string, ShellCommand>();
      for (const cmd of template.shell) {
        const later = cmd.pipeline.slice(cmd.pipelineIndex + 1);
        if (fetcherNames.includes(cmd.name) && later.some((e) => p.shells.includes(e.name))) {
          hits.push({ message: fill(p.message, { command: cmd.name }), pos: cmd.pos });
          continue;
        }
        const isShell = p.shells.includes(cmd.name);
        const evaluates = (p.evaluators ?? []).includes(cmd.name);
        const sub = isShell
          ? (substitution.exec(cmd.text) ?? (evaluates ? fetchExpression?.exec(cmd.text) : undefined))
          : null;
        if (sub !== null && sub !== undefined) {
          const command = sub[2] ?? sub[1] ?? sub[0];
          const message = fill(p.messageSubstitution ?? p.message, { shell: cmd.name, command });
          hits.push({ message, pos: cmd.pos });
          continue;
        }
        // `echo "<sum>  file" | sha256sum -c -` verifies from inside a pipeline.
        if (isVerifier(cmd.name)) {
          if (hasAnyFlag(cmd.args, p.verifyAllFlags)) pending.clear();
          for (const a of cmd.args) pending.delete(basename(a));
          continue;
        }
        if (cmd.pipelineIndex > 0) continue;
        const file = downloadedFile(cmd);
        if (file !== undefined) {
          pending.set(basename(file), cmd);
          continue;
        }
        const target = p.shells.includes(cmd.name) ? positionals(cmd.args)[0] : cmd.name;
        const download = target === undefined ? undefined : pending.get(basename(target));
        if (download && target !== undefined) {
          hits.push({
            message: fill(p.messageUnverified, { file: target, line: download.pos.line }),
            pos: cmd.pos,
          });
          pending.delete(basename(target));
        }
      }
      return hits;
    };
  },
};

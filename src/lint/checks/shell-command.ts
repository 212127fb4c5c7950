import type { Provisioner, Template } from '../../template/model.js';
import { type CheckModule, compileRegex, fill } from '../check-api.js';
import {
  globMatch,
  hasShellProvisioner,
  isShellProvisioner,
  provisionersWithSources,
  sourceLines,
} from '../query.js';
import { hasAnyFlag, positionals } from '../shell-args.js';
import type { Hit } from '../types.js';

/**
 * A command in a provisioner's shell, optionally narrowed by subcommand, by arguments that make
 * it acceptable (`unlessAnyArg`) or required to trigger (`ifAnyArg`), by the builder types the
 * provisioner runs on (`sourceTypes`), and by whether failure is tolerated (`unlessGuarded`:
 * `cmd || true`, `if cmd; then`, `command -v cmd && cmd`).
 */
export interface ShellCommandParams {
  commands: string[];
  subcommands?: string[];
  optionsWithValue?: string[];
  unlessAnyArg?: string[];
  ifAnyArg?: string[];
  sourceTypes?: string[];
  unlessGuarded?: boolean;
  /**
   * Regex over the source lines of the build's earlier commands: once one matches, later
   * commands are fine (`APT::Get::Assume-Yes "true"` written to an apt.conf.d drop-in).
   */
  unlessEarlier?: string;
  /** Placeholders: {command}, {subcommand}, {text}. */
  message: string;
}

export const shellCommand: CheckModule<ShellCommandParams> = {
  applies: (p, template) =>
    p.sourceTypes
      ? provisionersWithSources(template).some(
          (x) =>
            isShellProvisioner(template, x.provisioner) &&
            x.sources.some((s) => globMatch(p.sourceTypes!, s.type)),
        )
      : hasShellProvisioner(template),
  prepare(p) {
    const earlier =
      p.unlessEarlier === undefined ? undefined : compileRegex(p.unlessEarlier, 'unlessEarlier');
    return (template) => {
      const configured = earlier === undefined ? undefined : configuredFrom(template, earlier);
      // Provisioners that run on at least one source of the wanted types.
      const eligible = p.sourceTypes
        ? new Set(
            provisionersWithSources(template)
              .filter((x) => x.sources.some((s) => globMatch(p.sourceTypes!, s.type)))
              .map((x) => x.provisioner),
          )
        : undefined;
      const hits: Hit[] = [];
      for (const cmd of template.shell) {
        if (!p.commands.includes(cmd.name)) continue;
        if (eligible && !eligible.has(cmd.origin.provisioner)) continue;
        if (p.unlessGuarded && cmd.guarded) continue;
        if (configured?.has(cmd)) continue;
        const sub = positionals(cmd.args, p.optionsWithValue)[0];
        if (p.subcommands && (sub === undefined || !p.subcommands.includes(sub))) continue;
        if (p.unlessAnyArg && hasAnyFlag(cmd.args, p.unlessAnyArg)) continue;
        if (p.ifAnyArg && !hasAnyFlag(cmd.args, p.ifAnyArg)) continue;
        hits.push({
          message: fill(p.message, { command: cmd.name, subcommand: sub, text: cmd.text }),
          pos: cmd.pos,
        });
      }
      return hits;
    };
  },
};

/**
 * Commands that run after an earlier command of the same build matched `re` (commands are in
 * build order; a script shared by several builds counts for each).
 */
function configuredFrom(template: Template, re: RegExp): Set<Template['shell'][number]> {
  const buildOf = new Map<Provisioner, number>();
  template.builds.forEach((b, i) => {
    for (const prov of b.provisioners) buildOf.set(prov, i);
  });
  const done = new Set<number | undefined>();
  const after = new Set<Template['shell'][number]>();
  template.shell.forEach((cmd, i) => {
    const build = buildOf.get(cmd.origin.provisioner);
    if (done.has(build)) {
      after.add(cmd);
      return;
    }
    // A command's lines run up to the next command's (or the end of its file): a heredoc body
    // is not part of the `cat` node.
    const next = template.shell[i + 1];
    const sameFile = next !== undefined && next.pos.file === cmd.pos.file;
    const endLine = !sameFile
      ? Number.MAX_SAFE_INTEGER
      : next.pos.line > cmd.pos.endLine
        ? next.pos.line - 1
        : cmd.pos.endLine;
    if (re.test(sourceLines(template, { ...cmd.pos, endLine }))) done.add(build);
  });
  return after;
}

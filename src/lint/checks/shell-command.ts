import { type CheckModule, fill } from '../check-api.js';
import { globMatch, hasShellProvisioner, isShellProvisioner, provisionersWithSources } from '../query.js';
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
    return (template) => {
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

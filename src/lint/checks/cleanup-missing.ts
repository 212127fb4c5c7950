import type { Provisioner, Template } from '../../template/model.js';
import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { appliesTo, buildSources, globMatch, header, sourceLines } from '../query.js';
import type { Hit } from '../types.js';

/**
 * VM builds must end with a cleanup provisioner: without it Packer's temporary SSH key stays
 * in authorized_keys, every instance shares one /etc/machine-id, and history/tmp leak build
 * commands. The last provisioner that runs for each VM source must be a shell provisioner whose
 * shell satisfies every requirement (each a regex over its non-comment lines, inline or in
 * script files, so redirections such as `: > /etc/machine-id` and builtins such as
 * `unset HISTFILE` count).
 */
export interface CleanupMissingParams {
  /** Builder types that are not VMs (containers, no-op): the check skips them. */
  exceptBuilders: string[];
  shellProvisioners: string[];
  requirements: { name: string; matches: string }[];
  /** Placeholders: {source}, {missing}, {last}. */
  message: string;
}

export const cleanupMissing: CheckModule<CleanupMissingParams> = {
  applies: (p, template) =>
    template.builds.some((b) => buildSources(template, b).some((s) => !globMatch(p.exceptBuilders, s.type))),
  prepare(p) {
    const reqs = p.requirements.map((r) => ({
      name: r.name,
      re: compileRegex(r.matches, `requirements.${r.name}`),
    }));
    return (template) => {
      const hits: Hit[] = [];
      for (const build of template.builds) {
        for (const source of buildSources(template, build)) {
          if (globMatch(p.exceptBuilders, source.type)) continue;
          const name = `${source.type}.${source.name}`;
          const last = build.provisioners.filter((prov) => appliesTo(prov, source)).at(-1);
          if (!last) {
            hits.push({
              message: fill(p.message, { source: name, missing: 'every cleanup step', last: 'none' }),
              pos: header(build.pos),
            });
            continue;
          }
          const texts = p.shellProvisioners.includes(last.type) ? shellLines(template, last) : [];
          const missing = reqs.filter((r) => !texts.some((t) => r.re.test(t))).map((r) => r.name);
          if (missing.length === 0) continue;
          hits.push({
            message: fill(p.message, { source: name, missing: missing.join(', '), last: last.type }),
            pos: header(last.pos),
          });
        }
      }
      return hits;
    };
  },
};

/** The provisioner's own lines plus every script file it runs, without comment lines. */
function shellLines(template: Template, provisioner: Provisioner): string[] {
  const chunks = [sourceLines(template, provisioner.pos)];
  const scripts = new Set(
    template.shell
      .filter((c) => c.origin.provisioner === provisioner && c.pos.file !== provisioner.pos.file)
      .map((c) => c.pos.file),
  );
  for (const file of scripts) chunks.push(template.text[file] ?? '');
  return chunks
    .join('\n')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line));
}

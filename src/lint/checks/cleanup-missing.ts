import type { Expr, Provisioner, Source, Template } from '../../template/model.js';
import { type CheckModule, compileRegex, fill } from '../check-api.js';
import {
  appliesTo,
  attribute,
  buildSources,
  globMatch,
  header,
  items,
  literal,
  sourceLines,
} from '../query.js';
import type { Hit } from '../types.js';

/**
 * Linux VM builds must clean up before the image is captured: without it Packer's temporary
 * SSH key stays in authorized_keys, every instance shares one /etc/machine-id, and history/tmp
 * leak build commands. Each requirement is a regex over the non-comment lines of the shell
 * provisioners that run for the source (inline or in script files, so redirections such as
 * `: > /etc/machine-id` and builtins such as `unset HISTFILE` count); a cleanup script early in
 * the build counts as much as one at the end.
 *
 * What lint cannot read it does not judge: a source with a configuration-management
 * provisioner (Ansible roles, Chef, Puppet, Salt) or a shell script whose path is computed
 * (`{{user `dir`}}/cleanup.sh`) may well clean up there. The expectations are Linux ones, so
 * Windows guests (a WinRM communicator, a Windows guest OS type, Windows provisioners) are
 * skipped.
 */
export interface CleanupMissingParams {
  /** Builder types that are not VMs (containers, no-op): the check skips them. */
  exceptBuilders: string[];
  shellProvisioners: string[];
  /**
   * `unlessGuest`: a regex over the source block's text and the template's path; when it
   * matches, the guest has no such thing (Alpine and the BSDs have no /etc/machine-id).
   * `unlessPostProcessors`: a build with one of these does it on purpose (a Vagrant box ships
   * Vagrant's public insecure key, replaced on first `vagrant up`).
   */
  requirements: { name: string; matches: string; unlessGuest?: string; unlessPostProcessors?: string[] }[];
  /**
   * Regex over shell lines for a platform's own generalisation, which does the cleanup
   * (`waagent -deprovision+user` on Azure): a source running it is clean.
   */
  generalizers?: string;
  /** Provisioners that may clean up in ways lint does not read (ansible, chef-solo, …). */
  opaqueProvisioners?: string[];
  /** How a Windows guest shows: any of these makes the source not applicable. */
  windows?: {
    communicators: string[];
    /** Regex over guest/OS type attributes (`guest_os_type`, `os_type`, `vm_guest_os_type`, …). */
    osType: string;
    osAttributes: string[];
    provisioners: string[];
  };
  /** Placeholders: {source}, {missing}, {last}. */
  message: string;
}

export const cleanupMissing: CheckModule<CleanupMissingParams> = {
  applies: (p, template) =>
    template.builds.some((b) =>
      buildSources(template, b).some(
        (s) => !globMatch(p.exceptBuilders, s.type) && !isWindows(p, s, b.provisioners),
      ),
    ),
  prepare(p) {
    const reqs = p.requirements.map((r) => ({
      name: r.name,
      re: compileRegex(r.matches, `requirements.${r.name}`),
      unless: r.unlessGuest === undefined ? undefined : compileRegex(r.unlessGuest, `requirements.${r.name}`),
      unlessPostProcessors: r.unlessPostProcessors ?? [],
    }));
    const generalizer =
      p.generalizers === undefined ? undefined : compileRegex(p.generalizers, 'generalizers');
    return (template) => {
      const hits: Hit[] = [];
      for (const build of template.builds) {
        for (const source of buildSources(template, build)) {
          if (globMatch(p.exceptBuilders, source.type)) continue;
          if (isWindows(p, source, build.provisioners)) continue;
          const name = `${source.type}.${source.name}`;
          const steps = build.provisioners.filter((prov) => appliesTo(prov, source));
          if (steps.some((s) => (p.opaqueProvisioners ?? []).includes(s.type) || unreadableScript(s)))
            continue;
          const last = steps.at(-1);
          const texts = steps
            .filter((s) => p.shellProvisioners.includes(s.type))
            .flatMap((s) => shellLines(template, s));
          const guest = `${template.path}\n${sourceLines(template, source.pos)}`;
          const pps = build.postProcessorChains.flat().map((pp) => pp.type);
          const wanted = reqs.filter(
            (r) => !r.unless?.test(guest) && !r.unlessPostProcessors.some((t) => pps.includes(t)),
          );
          if (generalizer !== undefined && texts.some((t) => generalizer.test(t))) continue;
          const missing = wanted.filter((r) => !texts.some((t) => r.re.test(t))).map((r) => r.name);
          // A file uploaded after the last cleanup step lands in the image uncleaned.
          const lastClean = steps.findLastIndex(
            (s) =>
              p.shellProvisioners.includes(s.type) &&
              shellLines(template, s).some((t) => reqs.some((r) => r.re.test(t))),
          );
          const upload = steps.slice(lastClean + 1).find((s) => s.type === 'file' && !isDownload(s));
          if (lastClean !== -1 && upload !== undefined)
            missing.push(`a cleanup after the file upload on line ${upload.pos.line}`);
          if (missing.length === 0) continue;
          hits.push({
            message: fill(p.message, {
              source: name,
              missing:
                missing.length === wanted.length && lastClean === -1
                  ? 'every cleanup step'
                  : missing.join(', '),
              last: last?.type ?? 'none',
            }),
            pos: header(last?.pos ?? build.pos),
          });
        }
      }
      return hits;
    };
  },
};

const osTypes = new Map<string, RegExp>();

function isWindows(p: CleanupMissingParams, source: Source, provisioners: readonly Provisioner[]): boolean {
  const w = p.windows;
  if (w === undefined) return false;
  const communicator = literal(attribute(source.body, 'communicator')?.value);
  if (typeof communicator === 'string' && w.communicators.includes(communicator)) return true;
  let os = osTypes.get(w.osType);
  if (os === undefined) {
    os = compileRegex(w.osType, 'windows.osType');
    osTypes.set(w.osType, os);
  }
  for (const name of w.osAttributes) {
    const value = literal(attribute(source.body, name)?.value);
    if (typeof value === 'string' && os.test(value)) return true;
  }
  return provisioners.some((prov) => appliesTo(prov, source) && w.provisioners.includes(prov.type));
}

function isDownload(provisioner: Provisioner): boolean {
  return literal(attribute(provisioner.body, 'direction')?.value) === 'download';
}

/** A `script`/`scripts` path computed at build time: lint never saw what it runs. */
function unreadableScript(provisioner: Provisioner): boolean {
  const computed = (e: Expr) => /\$\{(?!path\.root\})|\{\{(?!\s*template_dir\s*\}\})/.test(e.source);
  return ['script', 'scripts'].some((name) => {
    const value = attribute(provisioner.body, name)?.value;
    return value !== undefined && items(value).some(computed);
  });
}

const linesCache = new WeakMap<Provisioner, string[]>();

/** The provisioner's own lines plus every script file it runs, without comment lines. */
function shellLines(template: Template, provisioner: Provisioner): string[] {
  let lines = linesCache.get(provisioner);
  if (lines === undefined) {
    lines = readShellLines(template, provisioner);
    linesCache.set(provisioner, lines);
  }
  return lines;
}

function readShellLines(template: Template, provisioner: Provisioner): string[] {
  const chunks = [sourceLines(template, provisioner.pos)];
  const scripts = new Set(
    template.shell
      .filter((c) => c.origin.provisioner === provisioner && c.pos.file !== provisioner.pos.file)
      .map((c) => c.pos.file),
  );
  for (const file of scripts) chunks.push(template.text[file] ?? '');
  // A command continued over several lines (`rm -rf \` … `/etc/machine-id`) is one line.
  return chunks
    .join('\n')
    .replace(/\\\r?\n/g, ' ')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line));
}

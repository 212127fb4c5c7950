import { dirname, resolve } from 'node:path';
import type { Expr, Template } from '../template/model.js';
import type { ImageInputs } from './changes.js';
import type { ImageEntry } from './images.js';

/** Provisioner attributes that name files on the machine running Packer. */
const PATH_ATTRIBUTES = [
  'source',
  'sources',
  'script',
  'scripts',
  'playbook_file',
  'galaxy_file',
  'playbook_dir',
  'roles_path',
];

function literalStrings(e: Expr): string[] {
  if (e.kind === 'literal' && typeof e.value === 'string') return [e.value];
  if (e.kind === 'template' && e.parts.every((p) => p.kind === 'text')) {
    return [e.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('')];
  }
  if (e.kind === 'tuple') return e.items.flatMap(literalStrings);
  return [];
}

/**
 * Files a template reaches outside its own directory: provisioner sources, scripts and
 * Ansible playbooks (with the `roles/` next to a playbook, which Ansible loads implicitly).
 * Paths built from variables cannot be known without evaluating, so they are left out; list
 * them under `inputs:` in imagegate.yaml.
 */
export function templateReferences(t: Template): string[] {
  const out = new Set<string>();
  for (const build of t.builds) {
    for (const p of build.provisioners) {
      if (p.type === 'shell-local') continue;
      for (const attr of p.body.attributes) {
        if (!PATH_ATTRIBUTES.includes(attr.name)) continue;
        // The file provisioner's `source` is local unless direction = "download".
        for (const s of literalStrings(attr.value)) {
          const abs = resolve(dirname(attr.pos.file), s);
          out.add(abs);
          if (attr.name === 'playbook_file') out.add(resolve(dirname(abs), 'roles'));
        }
      }
    }
  }
  return [...out].sort();
}

export function imageInputs(img: ImageEntry, template: Template | undefined): ImageInputs {
  return {
    name: img.name,
    paths: [
      img.template,
      ...img.varFiles,
      ...img.inputs,
      ...img.suites.filter((s) => !s.startsWith('builtin:')),
      ...img.suiteVars,
      ...(template ? templateReferences(template) : []),
    ],
  };
}

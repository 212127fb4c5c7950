import type { Expr } from '../../template/model.js';
import { type CheckModule, fill } from '../check-api.js';
import { appliesTo, attribute, buildSources, literal, lookup } from '../query.js';
import type { Hit } from '../types.js';

/**
 * The `file` provisioner copies as the SSH user, not root: a destination such as
 * `/etc/nginx/nginx.conf` fails with "permission denied" for `ubuntu`. Upload to /tmp or the
 * home directory, then `sudo mv` in a shell provisioner. Judged only when both the user and the
 * start of the destination are written literally.
 */
export interface FileUploadPrivilegedPathParams {
  provisioners: string[];
  userAttributes: string[];
  rootUsers: string[];
  allowedPrefixes: string[];
  /** Placeholders: {destination}, {user}, {source}. */
  message: string;
}

/** The literal beginning of a destination (`/etc/${var.x}` → `/etc/`), if any. */
function staticPrefix(expr: Expr): string | undefined {
  const v = literal(expr);
  if (typeof v === 'string') return v;
  if (expr.kind === 'template' && expr.parts[0]?.kind === 'text') return expr.parts[0].text;
  return undefined;
}

export const fileUploadPrivilegedPath: CheckModule<FileUploadPrivilegedPathParams> = {
  applies: (p, template) =>
    template.builds.some((b) => b.provisioners.some((x) => p.provisioners.includes(x.type))),
  prepare(p) {
    const allowed = (dest: string) =>
      !dest.startsWith('/') ||
      p.allowedPrefixes.some((prefix) => dest.startsWith(prefix) || `${dest}/` === prefix);
    return (template) => {
      const hits: Hit[] = [];
      for (const build of template.builds) {
        const sources = buildSources(template, build);
        for (const prov of build.provisioners) {
          if (!p.provisioners.includes(prov.type)) continue;
          if (literal(attribute(prov.body, 'direction')?.value) === 'download') continue;
          const destAttr = attribute(prov.body, 'destination');
          const dest = destAttr ? staticPrefix(destAttr.value) : undefined;
          if (!destAttr || dest === undefined || allowed(dest)) continue;
          for (const source of sources.filter((s) => appliesTo(prov, s))) {
            const user = p.userAttributes
              .map((a) => literal(lookup(source.body, [a])?.expr))
              .find((u): u is string => typeof u === 'string');
            if (user === undefined || p.rootUsers.includes(user)) continue;
            hits.push({
              message: fill(p.message, { destination: dest, user, source: `${source.type}.${source.name}` }),
              pos: destAttr.pos,
            });
            break;
          }
        }
      }
      return hits;
    };
  },
};

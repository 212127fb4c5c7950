import { basename } from 'node:path';
import type { Attribute, Block, Expr, Position } from '../../template/model.js';
import { type CheckModule, compileRegex, fill } from '../check-api.js';
import { globMatch, literal } from '../query.js';
import type { Hit } from '../types.js';

/**
 * Credentials written into the template: in shell commands, provisioner environment,
 * variable/local defaults and builder attributes. Two signals: a value that looks like a
 * credential whatever its name (AWS key id, private key block, known token formats), and a
 * literal assigned to a secret-looking name (`DB_PASSWORD=…`, `--password …`,
 * `ssh_password = "…"`). Messages name the kind and the place, never the value.
 */
export interface SecretInTemplateParams {
  valuePatterns: { name: string; regex: string }[];
  /** Names that hold secrets: `(?i)(password|secret|token)`. */
  secretNames: string;
  /** Secret-looking names that hold something else: `_file$`, `_length$`. */
  secretNamesExclude: string;
  /** Values that are references, not secrets: `$VAR`, `${var.x}`, `{{user ...}}`. */
  referenceValues: string;
  /**
   * Well-known throwaway build passwords (the Vagrant convention: `vagrant`) in templates whose
   * every source is a local VM builder. They are no secret, but still a login baked into the
   * image: `report: throwaway` reports only those (a separate, milder policy), the default
   * `report: secrets` everything else.
   */
  throwaway?: { values: string[]; builders: string[] };
  report?: 'secrets' | 'throwaway';
  /** A throwaway value where not every source is local. Placeholders as `message`, with {value}. */
  messagePublic?: string;
  /** Placeholders: {kind} (what was found), {where}, {value} (throwaway values only). */
  message: string;
}

/** What was found; `value` when it is a literal assigned to a secret-looking name. */
interface Found {
  kind: string;
  value?: string;
}

/** Attributes already covered by the shell/env extraction, so they are not reported twice. */
const EXTRACTED = new Set(['inline', 'environment_vars', 'execute_command', 'script', 'scripts']);

export const secretInTemplate: CheckModule<SecretInTemplateParams> = {
  prepare(p) {
    const patterns = p.valuePatterns.map((v) => ({
      name: v.name,
      re: compileRegex(v.regex, `valuePatterns.${v.name}`),
    }));
    const secretName = compileRegex(p.secretNames, 'secretNames');
    const excluded = compileRegex(p.secretNamesExclude, 'secretNamesExclude');
    const reference = compileRegex(p.referenceValues, 'referenceValues');
    const isSecretName = (n: string) => secretName.test(n) && !excluded.test(n);
    const isLiteralSecret = (v: string) => v.trim() !== '' && !reference.test(v);
    const valueKind = (text: string) => patterns.find((x) => x.re.test(text))?.name;
    /** `NAME=value` and `--name=value` pairs inside one string. */
    const assignment = (text: string): Found | undefined => {
      for (const m of text.matchAll(/(?:^|[\s'"])(?:--?)?([A-Za-z_][\w.-]*)[=:]\s*([^\s'";&|]+)/g)) {
        if (isSecretName(m[1]!) && isLiteralSecret(m[2]!)) return { kind: `a literal ${m[1]}`, value: m[2] };
      }
      return undefined;
    };
    const byValue = (text: string): Found | undefined => {
      const kind = valueKind(text);
      return kind === undefined ? undefined : { kind };
    };
    const throwawayValues = new Set(p.throwaway?.values ?? []);
    const wantThrowaway = p.report === 'throwaway';

    return (template) => {
      const hits: Hit[] = [];
      const seen = new Set<string>();
      const isLocal = (type: string) => p.throwaway !== undefined && globMatch(p.throwaway.builders, type);
      // A source's own attributes are judged by that source; the rest by every source.
      const allLocal = template.sources.length > 0 && template.sources.every((s) => isLocal(s.type));
      let local = allLocal;
      const report = (found: Found, where: string, pos: Position) => {
        const known = found.value !== undefined && throwawayValues.has(found.value);
        const throwaway = local && known;
        if (throwaway !== wantThrowaway) return;
        const key = `${pos.file}:${pos.line}:${pos.column}`;
        if (seen.has(key)) return;
        seen.add(key);
        // The public password on a source that is not a local VM: not a secret to rotate, but a
        // login everyone knows on a machine others can reach.
        const message = known && !throwaway ? (p.messagePublic ?? p.message) : p.message;
        hits.push({ message: fill(message, { kind: found.kind, where, value: found.value }), pos });
      };

      for (const cmd of template.shell) {
        let found = byValue(cmd.text) ?? assignment(cmd.text);
        if (!found) {
          // `--password VALUE` / `-p VALUE`: the value is the next argument.
          const i = cmd.args.findIndex((a) => /^--?[\w-]+$/.test(a) && isSecretName(a.replace(/^-+/, '')));
          const next = i >= 0 ? cmd.args[i + 1] : undefined;
          if (next !== undefined && !next.startsWith('-') && isLiteralSecret(next))
            found = { kind: `a literal ${cmd.args[i]}`, value: next };
        }
        if (found) report(found, `the \`${cmd.name}\` command`, cmd.pos);
      }
      for (const env of template.env) {
        const found =
          byValue(env.value) ??
          (isSecretName(env.name) && isLiteralSecret(env.value)
            ? { kind: `a literal ${env.name}`, value: env.value }
            : undefined);
        if (found) report(found, `environment variable ${env.name}`, env.pos);
      }
      for (const v of [...template.variables, ...template.locals]) {
        const expr = 'default' in v ? v.default : 'value' in v ? v.value : undefined;
        if (!expr) continue;
        scanExpr(expr, v.name, `${'default' in v ? 'the default of variable' : 'local'} ${v.name}`);
      }
      for (const source of template.sources) {
        local = isLocal(source.type);
        scanBlock(source.body, `source ${source.type}.${source.name}`);
      }
      local = allLocal;
      // A file provisioner copies these into the image as they are: a key in them is baked in.
      for (const up of template.uploads ?? []) {
        const lines = up.text.split('\n');
        lines.forEach((text, i) => {
          if (/^\s*(#|\/\/|;|--|REM\b)/i.test(text)) return; // a comment, as in an example config
          const found = byValue(text) ?? assignment(text);
          if (!found) return;
          const pos = { file: up.file, line: i + 1, column: 1, endLine: i + 1, endColumn: text.length + 1 };
          report(found, `uploaded file ${basename(up.file)}`, pos);
        });
      }
      for (const build of template.builds) {
        for (const prov of build.provisioners) scanBlock(prov.body, `provisioner ${prov.type}`);
        for (const chain of build.postProcessorChains)
          for (const pp of chain) scanBlock(pp.body, `post-processor ${pp.type}`);
      }
      return hits;

      function scanBlock(block: Block, where: string): void {
        for (const attr of block.attributes) scanAttribute(attr, where);
        for (const child of block.blocks) scanBlock(child, where);
      }
      function scanAttribute(attr: Attribute, where: string): void {
        if (EXTRACTED.has(attr.name)) return;
        scanExpr(attr.value, attr.name, `${attr.name} in ${where}`);
      }
      function scanExpr(expr: Expr, name: string, where: string): void {
        const v = literal(expr);
        if (typeof v === 'string') {
          const found =
            byValue(v) ??
            (isSecretName(name) && isLiteralSecret(v)
              ? { kind: `a literal ${name}`, value: v }
              : undefined) ??
            assignment(v);
          if (found) report(found, where, expr.pos);
          return;
        }
        if (expr.kind === 'tuple') for (const item of expr.items) scanExpr(item, name, where);
        if (expr.kind === 'object')
          for (const e of expr.entries) scanExpr(e.value, e.key, `${e.key} in ${where}`);
        if (expr.kind === 'template') {
          for (const part of expr.parts) {
            if (part.kind !== 'text') continue;
            const found = byValue(part.text);
            if (found) report(found, where, part.pos);
          }
        }
      }
    };
  },
};

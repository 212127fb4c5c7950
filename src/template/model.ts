/**
 * The Template model: what lint policies see. Built from HCL2 (`*.pkr.hcl`) or legacy JSON
 * templates; nothing is evaluated that Packer would evaluate at build time. Every node carries
 * its position so findings point at the exact place.
 */

/** 1-based line and column, like editors and SARIF. `end*` is exclusive of nothing: the last char. */
export interface Position {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** A small expression tree; `source` is always the exact text as written. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; source: string; pos: Position }
  /** A string with interpolations (`"app-${var.v}"`, `{{timestamp}}` in JSON) or a heredoc. */
  | { kind: 'template'; parts: TemplatePart[]; heredoc: boolean; source: string; pos: Position }
  /** `var.region`, `local.ami_name`, `source.amazon-ebs.app` (traversal as dotted path). */
  | { kind: 'reference'; path: string[]; source: string; pos: Position }
  | { kind: 'call'; name: string; args: Expr[]; source: string; pos: Position }
  | { kind: 'tuple'; items: Expr[]; source: string; pos: Position }
  | { kind: 'object'; entries: ObjectEntry[]; source: string; pos: Position }
  /** Anything else (conditionals, for-expressions, operators): kept as source only. */
  | { kind: 'other'; source: string; pos: Position };

/**
 * `text` is decoded (escapes and `$${` resolved). Heredoc text keeps its indentation: the
 * `<<-` trimming Packer applies is not, so positions stay true.
 */
export type TemplatePart =
  | { kind: 'text'; text: string; pos: Position }
  | { kind: 'interpolation'; expr: Expr; pos: Position };

export interface ObjectEntry {
  key: string;
  keyPos: Position;
  value: Expr;
}

export interface Attribute {
  name: string;
  value: Expr;
  pos: Position;
}

/** A generic block (`source_ami_filter { … }`, `launch_block_device_mappings { … }`). */
export interface Block {
  type: string;
  labels: string[];
  attributes: Attribute[];
  blocks: Block[];
  pos: Position;
}

export interface Source {
  /** Builder type: `amazon-ebs`, `docker`, … */
  type: string;
  name: string;
  /** The block itself: attributes and nested blocks in source order. */
  body: Block;
  pos: Position;
}

export interface Provisioner {
  /** `shell`, `file`, `ansible`, `shell-local`, … */
  type: string;
  /** Optional `name` label (HCL2 `provisioner "shell" { name = … }` or JSON `name`). */
  name?: string;
  body: Block;
  /** `only` / `except` source filters as written, e.g. `docker.app` or `source.docker.app`. */
  only: string[];
  except: string[];
  pos: Position;
}

export interface PostProcessor {
  type: string;
  name?: string;
  body: Block;
  only: string[];
  except: string[];
  pos: Position;
}

export interface Build {
  name?: string;
  /** Referenced sources as written: `source.amazon-ebs.app` (or JSON builder names). */
  sources: { ref: string; pos: Position }[];
  /** In order: Packer runs them in this order. */
  provisioners: Provisioner[];
  /** Each chain runs in order; separate chains run independently. */
  postProcessorChains: PostProcessor[][];
  pos: Position;
}

export interface Variable {
  name: string;
  type?: Expr;
  default?: Expr;
  sensitive: boolean;
  description?: string;
  pos: Position;
}

export interface Local {
  name: string;
  value: Expr;
  sensitive: boolean;
  pos: Position;
}

export interface RequiredPlugin {
  name: string;
  source?: string;
  /** Version constraint text, e.g. `>= 1.3.0, < 2.0.0`. */
  version?: string;
  pos: Position;
}

/** One shell command found in a provisioner, with the place it truly comes from. */
export interface ShellCommand {
  /**
   * Command name as written (`apt-get`, `sudo` is unwrapped: `sudo apt-get …` → `apt-get`; so
   * are env, nohup, exec, nice, timeout, command, …). A path stays a path: `/usr/bin/apt-get`.
   */
  name: string;
  /** Arguments as the shell would see them, quotes removed where static; raw text otherwise. */
  args: string[];
  /** The full command text as written. */
  text: string;
  /** Commands of the same pipeline, in order (for `curl … | sh`). Includes this command. */
  pipeline: { name: string; args: string[] }[];
  /** Index of this command within `pipeline`. */
  pipelineIndex: number;
  /**
   * Guarded by a conditional context: inside `if`/`while`/`case`, the left of `||`, or after a
   * probe (`command -v x &&`, `[ -d … ] &&`, `test … ||`). Not the right of `a && b` after a
   * plain command: its failure still fails the build.
   */
  guarded: boolean;
  /** Where it is: a template line (inline/heredoc) or a line in a script file. */
  pos: Position;
  /** Which provisioner it belongs to and how it was found. */
  origin: { provisioner: Provisioner; via: 'inline' | 'script' | 'scripts' | 'execute_command' };
}

/** An environment variable handed to a provisioner (`environment_vars = ["K=V"]`). */
export interface EnvAssignment {
  name: string;
  value: string;
  pos: Position;
  provisioner: Provisioner;
}

export interface Template {
  format: 'hcl2' | 'json';
  /** Directory or file the template was read from, and every file that makes it up. */
  path: string;
  files: string[];
  sources: Source[];
  builds: Build[];
  variables: Variable[];
  locals: Local[];
  requiredPlugins: RequiredPlugin[];
  /** `packer { required_plugins { … } }` block position when present. */
  packerBlock?: Position;
  /** Shell extracted from every shell/shell-local provisioner, in build order. */
  shell: ShellCommand[];
  env: EnvAssignment[];
  /**
   * Comments with their positions, for `# imagegate:ignore` suppressions: text as written,
   * marker included (`# …`, `// …`, block comments), from template files, heredocs, inline strings
   * and scripts. An HCL JSON `"//"` property appears as `// <value>`.
   */
  comments: { text: string; pos: Position }[];
  /**
   * Files a provisioner names (scripts, uploads) that exist nowhere Packer could find them:
   * `packer build` fails on them, but the template reads fine, so they are not syntax errors.
   */
  missingFiles?: { message: string; pos: Position }[];
  /** Text files `file` provisioners upload (bounded, see uploads.ts), for policies that read them. */
  uploads?: { file: string; text: string }[];
  /** Syntax problems: the template could not be read faithfully at these places. */
  syntaxErrors: { message: string; pos: Position }[];
  /** `name = value` arguments of `*.pkrvars.hcl` files (a directory's `*.auto.pkrvars.hcl`). */
  variableValues?: Attribute[];
  /** Raw text of each file, for code frames and suppressions. */
  text: Record<string, string>;
  /**
   * Why this template is not what the path named: a folder linted file by file because its
   * files are independent templates (see src/template/load.ts). Shown in every output.
   */
  note?: string;
}

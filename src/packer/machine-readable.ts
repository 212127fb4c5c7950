/**
 * Packer's `-machine-readable` stream: `timestamp,target,type,data...` per line, commas in
 * data escaped as `%!(PACKER_COMMA)`, newlines as `\n`. Pure: lines in, events out.
 */
export interface MachineLine {
  timestamp: number;
  /** Build name (`docker.web`) or '' for global messages. */
  target: string;
  type: string;
  data: string[];
}

export function parseMachineLine(line: string): MachineLine | undefined {
  const parts = line.split(',');
  if (parts.length < 3) return undefined;
  const ts = Number(parts[0]);
  if (!Number.isFinite(ts)) return undefined;
  return {
    timestamp: ts,
    target: parts[1] ?? '',
    type: parts[2] ?? '',
    data: parts.slice(3).map(decodeField),
  };
}

function decodeField(s: string): string {
  return s
    .replace(/%!\(PACKER_COMMA\)/g, ',')
    .replace(/\\n/g, '\n')
    .replace(/\\r/g, '\r');
}

export interface MachineArtifact {
  /** Build name as Packer reports it: `docker.web`, `amazon-ebs.app`. */
  build: string;
  index: number;
  builderId: string;
  id: string;
  text?: string;
}

export type BuildEvent =
  | { kind: 'say'; build: string; text: string }
  /** Indented `ui,message` lines: provisioner output (apt, scripts), kept in the log only. */
  | { kind: 'output'; build: string; text: string }
  | { kind: 'error'; build: string; text: string }
  | { kind: 'artifact'; artifact: MachineArtifact }
  | { kind: 'finished'; build: string }
  | { kind: 'errored'; build: string; text: string };

/**
 * Folds machine lines into events and keeps the artifacts. `ui` lines are attributed to a
 * build by their `==> docker.web:` prefix because Packer leaves their target empty.
 */
/** Lines of a failing step's output kept to show the user: the apt error, not only the exit status. */
export const TAIL_LINES = 15;

/** What a build created that its cleanup would remove: what `-on-error=abort` leaves behind. */
export interface BuildResource {
  kind: 'docker-container' | 'ec2-instance';
  id: string;
}

/** Where a build was when it failed, and what it printed last. */
export interface StepContext {
  /** `provisioner 2 (shell script)`, counted in the order Packer ran them. */
  step?: string;
  tail: string[];
}

/** Packer's docker and amazon builders say what they started; nothing else names it. */
const RESOURCE_LINES: [RegExp, BuildResource['kind']][] = [
  [/^Container ID: ([0-9a-f]{12,64})$/, 'docker-container'],
  [/^Instance ID: (i-[0-9a-f]{8,17})$/, 'ec2-instance'],
];

/** What a build said it started from; packer.ts resolves docker references to digests. */
export type BuildBase = { kind: 'ami'; id: string } | { kind: 'docker-image'; reference: string };

/**
 * amazon builders: `Found Image ID: ami-…` (after evaluating source_ami / source_ami_filter);
 * docker: `Pulling Docker image: REF`. Only the first per build counts.
 */
export function baseOfText(text: string): BuildBase | undefined {
  const ami = /(?:^|: )Found Image ID: (ami-[0-9a-f]{8,17})\s*$/.exec(text);
  if (ami) return { kind: 'ami', id: ami[1]! };
  const docker = /(?:^|: )Pulling Docker image: (\S+)\s*$/.exec(text);
  if (docker) return { kind: 'docker-image', reference: docker[1]! };
  return undefined;
}

export class MachineReadableState {
  readonly artifacts: MachineArtifact[] = [];
  /** Per build name, the base it started from. */
  readonly bases = new Map<string, BuildBase>();
  readonly errors: { build: string; text: string }[] = [];
  /**
   * Errors that belong to no build: Packer refusing the template before building (an unknown
   * argument, a bad reference), condensed to one line each.
   */
  readonly templateErrors: string[] = [];
  private readonly pending = new Map<string, MachineArtifact>();
  private readonly steps = new Map<
    string,
    { count: number; step?: string; tail: string[]; over?: boolean }
  >();
  private readonly resources = new Map<string, BuildResource[]>();

  /** The container or instance a build started, in the order Packer named them. */
  resourcesOf(build: string): BuildResource[] {
    return [...(this.resources.get(build) ?? [])];
  }

  /** The step each build was on and the last lines it printed there. */
  context(build: string): StepContext | undefined {
    const s = this.steps.get(build);
    return s ? { ...(s.step ? { step: s.step } : {}), tail: [...s.tail] } : undefined;
  }

  /** Packer's own words without its `==> docker.web:` prefix, for a human-readable log. */
  static text(line: MachineLine): string | undefined {
    if (line.type !== 'ui') return undefined;
    return (line.data[1] ?? '').replace(/^\s*(==>|-->)\s*/, '').replace(/^\n+/, '');
  }

  private track(build: string, kind: 'say' | 'output' | 'error', text: string): void {
    if (!build) return;
    for (const [pattern, resource] of RESOURCE_LINES) {
      const id = pattern.exec(text.trim())?.[1];
      if (id) this.resources.set(build, [...(this.resources.get(build) ?? []), { kind: resource, id }]);
    }
    const s = this.steps.get(build) ?? { count: 0, tail: [] };
    // After "Build 'x' errored" Packer only repeats the error in its closing summary.
    if (s.over) return;
    const provisioning = kind === 'say' ? /^Provisioning with (.+?)(?::|$)/.exec(text) : null;
    if (provisioning) {
      s.count++;
      s.step = `provisioner ${s.count} (${provisioning[1]})`;
      s.tail = [];
    } else if (
      (kind !== 'say' || !/^Provisioning step had errors/.test(text)) &&
      // -on-error=abort narrates each skipped cleanup: not part of what went wrong.
      !/^(aborted: skipping cleanup of step|Step "\w+" failed, aborting)/.test(text)
    ) {
      s.tail.push(text);
      if (s.tail.length > TAIL_LINES) s.tail.shift();
    }
    this.steps.set(build, s);
  }

  feed(line: MachineLine): BuildEvent[] {
    const out: BuildEvent[] = [];
    if (line.type === 'ui') {
      const [level, text = ''] = line.data;
      const build = line.target || buildOfUiText(text);
      const clean = text.replace(/^\s*(==>|-->)\s*/, '').trim();
      if (level === 'error') {
        const failed = /^Build '([^']+)' errored/.exec(clean);
        if (failed?.[1]) {
          out.push({ kind: 'errored', build: failed[1], text: clean });
          const s = this.steps.get(failed[1]);
          if (s) s.over = true;
        } else {
          out.push({ kind: 'error', build, text: clean });
          this.track(build, 'error', withoutBuild(clean, build));
          if (!build && /^Error\b/.test(clean)) this.templateErrors.push(oneLine(clean));
        }
      } else {
        const done = /^Build '([^']+)' finished/.exec(clean);
        if (done?.[1]) out.push({ kind: 'finished', build: done[1] });
        else {
          const kind = level === 'message' ? 'output' : 'say';
          const base = build && !this.bases.has(build) ? baseOfText(clean) : undefined;
          if (base) this.bases.set(build, base);
          out.push({ kind, build, text: clean });
          this.track(build, kind, withoutBuild(clean, build));
        }
      }
    } else if (line.type === 'error' && line.target) {
      const text = line.data.join(',');
      this.errors.push({ build: line.target, text });
    } else if (line.type === 'artifact') {
      const [indexText, key, ...rest] = line.data;
      const index = Number(indexText);
      const id = `${line.target}#${index}`;
      const a = this.pending.get(id) ?? { build: line.target, index, builderId: '', id: '' };
      const value = rest.join(',');
      if (key === 'builder-id') a.builderId = value;
      else if (key === 'id') a.id = value;
      else if (key === 'string') a.text = value;
      else if (key === 'end') {
        this.pending.delete(id);
        this.artifacts.push(a);
        out.push({ kind: 'artifact', artifact: a });
        return out;
      }
      this.pending.set(id, a);
    }
    return out;
  }
}

/** Packer's multi-line HCL diagnostics as one line, without its "source code not available". */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l !== '(source code not available)')
    .join(' ');
}

function withoutBuild(text: string, build: string): string {
  return text.startsWith(build) ? text.slice(build.length).replace(/^(?: \([^)]*\))?:\s*/, '') : text;
}

function buildOfUiText(text: string): string {
  return /^\s*(?:==>|-->)?\s*([A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+)(?: \([^)]*\))?:/.exec(text)?.[1] ?? '';
}

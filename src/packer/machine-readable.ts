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
export class MachineReadableState {
  readonly artifacts: MachineArtifact[] = [];
  readonly errors: { build: string; text: string }[] = [];
  private readonly pending = new Map<string, MachineArtifact>();

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
        } else out.push({ kind: 'error', build, text: clean });
      } else {
        const done = /^Build '([^']+)' finished/.exec(clean);
        if (done?.[1]) out.push({ kind: 'finished', build: done[1] });
        else out.push({ kind: level === 'message' ? 'output' : 'say', build, text: clean });
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

function buildOfUiText(text: string): string {
  return /^\s*(?:==>|-->)?\s*([A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+)(?: \([^)]*\))?:/.exec(text)?.[1] ?? '';
}

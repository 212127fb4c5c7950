import { randomBytes } from 'node:crypto';
import { BATCHES, type BatchKind, type BatchRequest, chunks } from './batch.js';
import { type Frames, parseFrames } from './frames.js';
import { MAX_OUTPUT_BYTES } from './limits.js';
import type { ResourceSpec } from './model.js';
import { effectiveSpec, type PlanSettings } from './resources/api.js';
import { RESOURCES } from './resources/index.js';

/**
 * Builds ONE POSIX `sh` script that collects the facts of a whole suite. Every value from the
 * suite reaches it through shQuote (in the resource modules); output is framed with a marker
 * drawn at random per run (see frames.ts). User commands and network checks run in parallel
 * lanes whose output goes to temp files and is printed after the lanes finish, so frames never
 * interleave. The temp directory is named `.imagegate.*` so checks for an empty /tmp can skip it.
 */

export interface CollectItem {
  /** Frame id for this resource; unique within the script, no spaces. */
  id: string;
  spec: ResourceSpec;
}

export interface CollectorOptions {
  /** Parallel lanes for commands and network checks (goss's --max-concurrent, default 50). */
  maxConcurrent?: number;
  /** Tests pass a fixed marker; runs draw a fresh random one. */
  marker?: string;
  /** Run-wide settings every resource's plan sees (goss's --package). */
  settings?: PlanSettings;
}

export interface Collector {
  script: string;
  marker: string;
  /** Upper bound for the script's run time: the slowest lane plus slack for the rest. */
  timeoutMs: number;
  /** Batched facts: each chunk's frame id, kind and requests, to hand back per resource. */
  batches: { frameId: string; kind: BatchKind; requests: BatchRequest[] }[];
}

export const DEFAULT_MAX_CONCURRENT = 50;

/** Frame id and key of the last frame, proving the script ran to the end. */
export const DONE_ID = '_done';

/** Slack for the sequential part of the script and for the transport itself. */
const SLACK_MS = 60_000;

export function newMarker(): string {
  return `@ig-${randomBytes(16).toString('hex')}`;
}

const PREAMBLE = String.raw`set +e
_igtmp=$TMPDIR; [ -n "$_igtmp" ] || _igtmp=/tmp
T=$(mktemp -d "$_igtmp/.imagegate.XXXXXX" 2>/dev/null) || { T=/tmp/.imagegate.$$; mkdir -m 700 "$T" || exit 97; }
trap 'rm -rf "$T"' EXIT
trap 'exit 98' INT TERM
if command -v base64 >/dev/null 2>&1; then _ige=b; _igenc() { base64; }; else _ige=x; _igenc() { od -An -v -tx1; }; fi
_igsid=; command -v setsid >/dev/null 2>&1 && _igsid=setsid
# raw one-line frame: ID KEY VALUE
_igr() { printf '%s %s %s r %s\n' "$M" "$1" "$2" "$3"; }
# block frame from stdin: ID KEY
_igb() { printf '%s %s %s %s\n' "$M" "$1" "$2" "$_ige"; _igenc; printf '%s .\n' "$M"; }
# block frame from a file, when readable: ID KEY FILE
_igf() { if [ -r "$3" ]; then _igb "$1" "$2" <"$3"; fi; }
# getent where present, else the flat file: DB NAME
_iggetent() {
  if command -v getent >/dev/null 2>&1; then getent "$1" "$2"
  elif [ "$1" = passwd ] || [ "$1" = group ]; then awk -F: -v n="$2" '$1 == n' "/etc/$1"
  else return 2; fi
}
# at most $_igmax bytes of stdin, so one check cannot flood the run (head -c where present);
# a command word, not a function: dash forks once more for a function in a pipeline
if command -v head >/dev/null 2>&1; then _igcap="head -c $_igmax"; else _igcap=cat; fi
# run a program with a deadline in its own session (so the whole process group dies), keeping
# at most $_igmax bytes of stdout and of stderr:
# ID SECONDS PROGRAM ARGS... -> $T/ID.o, $T/ID.e, $T/ID.rc, and $T/ID.to when killed
_igto() {
  _igid=$1; _igsec=$2; shift 2
  $_igsid sh -c '_igo=$1; _igc=$2; shift 2
if command -v head >/dev/null 2>&1; then _igcut="head -c $_igc"; else _igcut=cat; fi
{ { "$@" 3>&-; echo "$?" >"$_igo.rc"; } 2>&1 >&3 3>&- | $_igcut >"$_igo.e"; } 3>&1 | $_igcut >"$_igo.o"' \
    _ "$T/$_igid" "$_igmax" "$@" </dev/null &
  _igp=$!
  $_igsid sh -c 'sleep "$1"; : >"$2"; kill -9 -"$3" 2>/dev/null || kill -9 "$3"' _ "$_igsec" "$T/$_igid.to" "$_igp" >/dev/null 2>&1 </dev/null &
  _igw=$!
  wait "$_igp"; _igrc=$?; [ -f "$T/$_igid.rc" ] || echo "$_igrc" >"$T/$_igid.rc"
  kill -9 -"$_igw" 2>/dev/null || kill -9 "$_igw" 2>/dev/null
  wait "$_igw" 2>/dev/null
}
# frames of an _igto run: ID (builtins where they do: an empty output needs no encoder)
_igcf() {
  _igof "$1" out "$T/$1.o"; _igof "$1" err "$T/$1.e"
  _igrc=; IFS= read -r _igrc <"$T/$1.rc" 2>/dev/null; _igr "$1" rc "$_igrc"
  if [ -f "$T/$1.to" ]; then _igr "$1" to 1; fi
}
_igof() { if [ -s "$3" ]; then _igb "$1" "$2" <"$3"; elif [ -r "$3" ]; then _igr "$1" "$2" ''; fi; }
# TCP connect test: HOST PORT SECONDS; 127 when the target has no tool for it
_igtcp() {
  if command -v perl >/dev/null 2>&1; then
    perl -MIO::Socket::INET -e 'exit(IO::Socket::INET->new(PeerAddr => $ARGV[0], PeerPort => $ARGV[1], Proto => "tcp", Timeout => $ARGV[2]) ? 0 : 1)' "$1" "$2" "$3" 2>/dev/null
  elif command -v nc >/dev/null 2>&1; then
    nc -z -w "$(($(printf '%.0f' "$3") + 1))" -- "$1" "$2" >/dev/null 2>&1
  elif command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
    timeout "$3" bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
  else return 127; fi
}`;

export function buildCollector(items: CollectItem[], opts: CollectorOptions = {}): Collector {
  const marker = opts.marker ?? newMarker();
  if (!/^[!-~]+$/.test(marker)) throw new Error('collector marker must be printable ASCII without spaces');
  const lanes = Math.max(1, opts.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  const shared = new Map<string, string>();
  const inline: string[] = [];
  const parallel: { sh: string; budgetMs: number }[] = [];
  const batched = new Map<BatchKind, BatchRequest[]>();
  for (const { id, spec } of items) {
    if (spec.skip) continue;
    if (!/^[A-Za-z0-9_.-]+$/.test(id))
      throw new Error(`collector frame id must be a simple word, got ${JSON.stringify(id)}`);
    const def = RESOURCES[spec.type];
    def.plan(effectiveSpec(def, spec), id, {
      inline: (sh) => inline.push(sh),
      parallel: (sh, budgetMs) => parallel.push({ sh, budgetMs }),
      shared: (name, sh) => {
        if (!shared.has(name)) shared.set(name, sh);
      },
      batch: (kind, batchId, item) => {
        const list = batched.get(kind) ?? [];
        batched.set(kind, list);
        list.push({ id: batchId, item });
      },
      settings: opts.settings ?? {},
    });
  }

  const batches: Collector['batches'] = [];
  const batchSh: string[] = [];
  for (const [kind, requests] of batched) {
    const items = [...new Set(requests.map((r) => r.item))];
    chunks(items).forEach((chunk, i) => {
      const frameId = `_batch.${kind}.${i}`;
      const inChunk = new Set(chunk);
      batchSh.push(BATCHES[kind].sh(chunk, frameId));
      batches.push({ frameId, kind, requests: requests.filter((r) => inChunk.has(r.item)) });
    });
  }

  // Round-robin into lanes; each lane is one background subshell running its share in order.
  const laneBodies: string[][] = Array.from({ length: Math.min(lanes, parallel.length) }, () => []);
  const laneBudget = laneBodies.map(() => 0);
  parallel.forEach((p, i) => {
    const lane = i % laneBodies.length;
    laneBodies[lane]!.push(p.sh);
    laneBudget[lane]! += p.budgetMs;
  });

  const parts = ['{', `M=${marker}`, `_igmax=${MAX_OUTPUT_BYTES + 1}`, PREAMBLE];
  laneBodies.forEach((body, i) => {
    parts.push(`(\n${body.join('\n')}\n) >"$T/lane${i}" 2>/dev/null &`);
  });
  parts.push(...shared.values(), ...batchSh, ...inline);
  parts.push('wait');
  // One `cat` for every lane's output: frames are keyed by id, so lane order does not matter.
  if (laneBodies.length > 0)
    parts.push(`cat ${laneBodies.map((_, i) => `"$T/lane${i}"`).join(' ')} 2>/dev/null`);
  parts.push(`_igr ${DONE_ID} done 1`, '} </dev/null');
  return {
    script: `${parts.join('\n')}\n`,
    marker,
    timeoutMs: Math.max(0, ...laneBudget) + SLACK_MS,
    batches,
  };
}

/**
 * The script's frames, with each batched fact handed to the resources that asked for it as a
 * frame under their own id. A batch whose frame is missing (the script stopped early) adds
 * nothing, so those resources report that they were not collected.
 */
export function parseCollected(stdout: string, collector: Collector): Frames {
  const frames = parseFrames(stdout, collector.marker);
  for (const { frameId, kind, requests } of collector.batches) {
    const output = frames.text(frameId, 'out');
    if (output === undefined) continue;
    const def = BATCHES[kind];
    const values = def.split(output, [...new Set(requests.map((r) => r.item))]);
    for (const { id, item } of requests) {
      const v = values.get(item);
      if (v !== undefined) frames.add(id, def.key, Buffer.from(v, 'utf8'));
    }
  }
  return frames;
}

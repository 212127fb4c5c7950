/**
 * An inventory file: hosts named explicitly, with the image each came from. Parsing is pure;
 * every problem is one error naming file:line and what to write instead (exit 2).
 *
 *   hosts:
 *     - target: ssh://admin@10.0.0.5:22
 *       image: 127.0.0.1:5001/web@sha256:4c1f…   # registry image, local image or sha256:ID
 *     - target: docker://web-1                    # image read from the container
 *     - name: bastion
 *       target: ssh://ec2-user@10.0.0.9
 *       image: ami-0abc1234def567890
 *       region: eu-west-1
 */
import { UserError } from '../core/errors.js';
import { parseYamlText } from '../core/yaml-document.js';
import { parseTarget } from '../transports/open.js';
import type { Host, HostImage } from './model.js';

const KEYS = new Set(['name', 'target', 'image', 'region']);
const AMI = /^ami-[0-9a-f]{8,17}$/;
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;
const EXAMPLE = 'expected `- target: ssh://user@host:port` with `image: REF` (see docs/drift.md#inventory)';

export function parseInventory(file: string, text: string): Host[] {
  const doc = parseYamlText(file, text, 2);
  const at = (pointer: string) => `${file}:${doc.locate(pointer).line}`;
  const data = doc.data;
  const list = Array.isArray(data)
    ? { items: data as unknown[], base: '' }
    : data && typeof data === 'object' && Array.isArray((data as { hosts?: unknown }).hosts)
      ? { items: (data as { hosts: unknown[] }).hosts, base: '/hosts' }
      : undefined;
  if (!list)
    throw new UserError(`${file}:1: an inventory is a list of hosts (or \`hosts:\` holding one): ${EXAMPLE}`);
  if (list.items.length === 0) throw new UserError(`${at(list.base || '/')}: the inventory lists no hosts`);
  const seen = new Map<string, string>();
  return list.items.map((raw, i) => {
    const pointer = `${list.base}/${i}`;
    const where = at(pointer);
    const entry: Record<string, unknown> =
      typeof raw === 'string' ? { target: raw } : (raw as Record<string, unknown>);
    if (!entry || typeof entry !== 'object' || Array.isArray(entry))
      throw new UserError(`${where}: a host is a target string or a mapping: ${EXAMPLE}`);
    for (const key of Object.keys(entry)) {
      if (!KEYS.has(key))
        throw new UserError(
          `${at(`${pointer}/${key}`)}: unknown key "${key}" (allowed: ${[...KEYS].join(', ')})`,
        );
    }
    for (const key of KEYS) {
      if (entry[key] !== undefined && typeof entry[key] !== 'string')
        throw new UserError(`${at(`${pointer}/${key}`)}: ${key} must be a string`);
    }
    const target = entry.target as string | undefined;
    if (!target) throw new UserError(`${where}: the host has no target: ${EXAMPLE}`);
    let kind: string;
    try {
      kind = parseTarget(target).kind;
    } catch (err) {
      throw new UserError(`${at(`${pointer}/target`)}: ${(err as Error).message}`);
    }
    if (kind === 'local')
      throw new UserError(`${at(`${pointer}/target`)}: drift checks remote hosts, not \`local\``);
    const image = imageOf(entry, kind, (key) => at(`${pointer}/${key}`), where);
    const name = (entry.name as string | undefined) ?? target;
    const dup = seen.get(name);
    if (dup) throw new UserError(`${where}: host "${name}" is listed twice (first at ${dup})`);
    seen.set(name, where);
    return { name, target, source: `inventory ${where}`, ...(image ? { image } : {}) };
  });
}

function imageOf(
  entry: Record<string, unknown>,
  kind: string,
  at: (key: string) => string,
  where: string,
): HostImage | undefined {
  const image = entry.image as string | undefined;
  const region = entry.region as string | undefined;
  if (image === undefined) {
    if (kind === 'docker') return undefined;
    throw new UserError(
      `${where}: an ${kind}:// host needs \`image:\` (the registry image, image id or AMI it was started from)`,
    );
  }
  if (AMI.test(image)) {
    if (!region)
      throw new UserError(`${at('image')}: ${image} needs \`region:\` beside it (AMI ids are regional)`);
    return { kind: 'ami', id: image, reference: image, region };
  }
  if (region) throw new UserError(`${at('region')}: region applies to an AMI image only`);
  if (/^ami-/.test(image))
    throw new UserError(`${at('image')}: ${image} is not an AMI id (ami- and 8 or 17 hex digits)`);
  if (/\s/.test(image) || image === '')
    throw new UserError(`${at('image')}: "${image}" is not an image reference`);
  // A tag or registry reference resolves to its image id when its evidence is looked up.
  return { kind: 'docker-image', id: IMAGE_ID.test(image) ? image : '', reference: image };
}

/** Containers selected by label, and the image of a container named in an inventory. */
import type Dockerode from 'dockerode';
import { UserError } from '../core/errors.js';
import type { Host, HostImage } from './model.js';

/** `k=v` or `k`, as `docker ps --filter label=` takes them. */
export function checkLabel(label: string): string {
  if (!/^[^=\s]+(=.*)?$/.test(label)) throw new UserError(`--label ${label}: expected KEY=VALUE or KEY`);
  return label;
}

/** Running containers carrying every label; each is a host whose image is its image id. */
export async function containersByLabel(docker: Dockerode, labels: readonly string[]): Promise<Host[]> {
  const list = await docker
    .listContainers({ filters: { label: [...labels], status: ['running'] } })
    .catch((err: unknown) => {
      throw new UserError(`docker: cannot list containers: ${(err as Error).message}`, 3);
    });
  return list
    .map((c) => {
      const name = (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
      const image: HostImage = { kind: 'docker-image', id: c.ImageID, reference: c.Image };
      return { name, target: `docker://${c.Id}`, image, source: `label ${labels.join(',')}` };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The image a container runs (id and the reference it was started from); undefined when gone. */
export async function containerImage(docker: Dockerode, container: string): Promise<HostImage | undefined> {
  try {
    const info = await docker.getContainer(container).inspect();
    return { kind: 'docker-image', id: info.Image, reference: info.Config.Image };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

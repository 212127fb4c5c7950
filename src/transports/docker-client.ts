import { createRequire } from 'node:module';
import type Docker from 'dockerode';

type ContainerCtor = new (modem: unknown, id: string) => Docker.Container;
type ModemCtor = new () => { Promise: PromiseConstructor };

/**
 * A handle on one existing container, the object `new Docker().getContainer(name)` returns,
 * without dockerode's entry point: that loads its BuildKit session code (grpc-js, protobufjs),
 * ~0.3 s of start-up that exec never uses. docker-modem reads DOCKER_HOST and friends as
 * dockerode would; the integration tests of the docker transport go through this handle.
 */
export function containerHandle(name: string): Docker.Container {
  const require = createRequire(import.meta.url);
  const Modem = require('docker-modem') as ModemCtor;
  const Container = require('dockerode/lib/container') as ContainerCtor;
  const modem = new Modem();
  modem.Promise = Promise;
  return new Container(modem, name);
}

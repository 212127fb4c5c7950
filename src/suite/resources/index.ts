import type { ResourceType } from '../model.js';
import { addr } from './addr.js';
import type { ResourceDef } from './api.js';
import { command } from './command.js';
import { dns } from './dns.js';
import { file } from './file.js';
import { group } from './group.js';
import { http } from './http.js';
import { iface } from './interface.js';
import { kernelParam } from './kernel-param.js';
import { matching } from './matching.js';
import { mount } from './mount.js';
import { pkg } from './package.js';
import { port } from './port.js';
import { proc } from './process.js';
import { service } from './service.js';
import { user } from './user.js';

/** Every goss Linux resource imagegate runs, by gossfile key. */
export const RESOURCES: Record<ResourceType, ResourceDef> = {
  addr,
  command,
  dns,
  file,
  group,
  http,
  interface: iface,
  'kernel-param': kernelParam,
  matching,
  mount,
  package: pkg,
  port,
  process: proc,
  service,
  user,
};

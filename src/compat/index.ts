import type { FastifyInstance } from 'fastify';
import type { Services } from '../services/context.js';
import { mountAsana } from './asana/index.js';
import { mountElasticPath } from './elasticpath/index.js';
import { mountPhrase } from './phrase/index.js';
import { mountTextKing } from './textking/index.js';

// Compatible APIs (DESIGN.md §7): each is mounted under /compat/<name> followed by the vendor's own
// paths, so a client's base URL is the only change; `atRoot` mounts some at the root path as well,
// for clients that cannot add a path prefix. Each is a thin module over the shared services.
const COMPAT_APIS = {
  elasticpath: mountElasticPath,
  asana: mountAsana,
  phrase: mountPhrase,
  textking: mountTextKing,
} as const satisfies Record<string, (app: FastifyInstance, services: Services, mount: string) => Promise<void>>;

export type CompatApiName = keyof typeof COMPAT_APIS;
export const COMPAT_API_NAMES = Object.keys(COMPAT_APIS) as CompatApiName[];

export function isCompatApiName(name: string): name is CompatApiName {
  return Object.hasOwn(COMPAT_APIS, name);
}

export async function installCompatApis(app: FastifyInstance, services: Services, options: { atRoot: readonly CompatApiName[] }): Promise<void> {
  for (const [name, mount] of Object.entries(COMPAT_APIS) as [CompatApiName, (typeof COMPAT_APIS)[CompatApiName]][]) {
    await mount(app, services, `/compat/${name}`);
    if (options.atRoot.includes(name)) await mount(app, services, '');
  }
}

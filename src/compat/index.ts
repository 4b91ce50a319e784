import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppError } from '../core/errors.js';
import type { WebhookDispatcher } from '../events/dispatcher.js';
import type { Services } from '../services/context.js';
import { asanaErrors } from './asana/errors.js';
import { mountAsana } from './asana/index.js';
import { elasticPathErrors } from './elasticpath/errors.js';
import { mountElasticPath } from './elasticpath/index.js';
import { phraseErrors } from './phrase/errors.js';
import { mountPhrase } from './phrase/index.js';
import { textkingFormCallbacks } from './textking/callbacks.js';
import { sendTextKingError } from './textking/errors.js';
import { mountTextKing } from './textking/index.js';
import { sendVendorError } from './vendor-scope.js';

// Compatible APIs (docs/compat.md): each is mounted under /compat/<name> followed by the vendor's own
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

export async function installCompatApis(
  app: FastifyInstance,
  services: Services,
  options: { atRoot: readonly CompatApiName[] },
): Promise<void> {
  for (const [name, mount] of Object.entries(COMPAT_APIS) as [CompatApiName, (typeof COMPAT_APIS)[CompatApiName]][]) {
    await mount(app, services, `/compat/${name}`);
    if (options.atRoot.includes(name)) await mount(app, services, '');
  }
}

/**
 * Lets the webhook dispatcher deliver the callbacks clients register through the compatible APIs
 * (TextKing's). Every process that runs a dispatcher calls it, whether or not it serves HTTP.
 */
export function registerCompatCallbacks(dispatcher: WebhookDispatcher): void {
  dispatcher.addCallbackSource(textkingFormCallbacks);
}

type SendError = (request: FastifyRequest, reply: FastifyReply, error: AppError) => FastifyReply;
const elasticPath = elasticPathErrors();
const SEND_ERROR: Record<CompatApiName, SendError> = {
  elasticpath: (request, reply, error) => sendVendorError(elasticPath, request, reply, error),
  asana: (request, reply, error) => sendVendorError(asanaErrors, request, reply, error),
  phrase: (request, reply, error) => sendVendorError(phraseErrors, request, reply, error),
  textking: sendTextKingError,
};

/**
 * Sends an error the router raised before any scope's error handler could (a path segment too long or
 * not UTF-8) in the shape of the compatible API under /compat/<name>; false for other paths.
 */
export function sendCompatRouterError(request: FastifyRequest, reply: FastifyReply, error: AppError): boolean {
  const name = /^\/compat\/([a-z]+)(?:[/?]|$)/.exec(request.url)?.[1];
  if (name === undefined || !isCompatApiName(name)) return false;
  void SEND_ERROR[name](request, reply, error);
  return true;
}

import type { FastifyInstance } from 'fastify';
import { AppError } from '../../core/errors.js';
import { isUuid } from '../../core/ids.js';
import { VENDOR_ROUTE } from '../vendor-scope.js';
import type { TextKingContext } from './context.js';
import { sendTextKing, textkingPage } from './representation.js';
import { pageOf } from './request-input.js';

// The account's billing addresses (api.json: GetAccountAddresses, GetAccountAddress; the PHP client's
// Address and AddressList). Jobline bills nobody and keeps no addresses, so the book is empty: the
// list is a page of none and every address is unknown. A project's `billing_address` stays null.

const READ = { ...VENDOR_ROUTE, scope: 'jobs:read' } as const;

/** The error a billing address id meets: none exists (400 when it is not even a UUID, as the wiki says). */
export function noSuchAddress(id: string): AppError {
  if (!isUuid(id)) return new AppError('invalid_id', 'The address ID is not a valid UUID.');
  return new AppError('not_found', `No billing address with id ${JSON.stringify(id)} exists: Jobline keeps none.`);
}

export function textkingAccountRoutes(scope: FastifyInstance, tk: TextKingContext): void {
  scope.get('/account/addresses', { config: READ, schema: { hide: true } }, async (request, reply) => {
    const { page, perPage } = pageOf(request);
    const body = textkingPage(`${tk.base(request)}/account/addresses`, page, perPage, 0, []);
    return sendTextKing(request, reply, body, { root: 'addresses', itemName: 'address' });
  });

  scope.get('/account/address/:addressId', { config: READ, schema: { hide: true } }, async (request) => {
    throw noSuchAddress((request.params as { addressId: string }).addressId);
  });
}

import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/context.js';
import { textkingAccountRoutes } from './account-routes.js';
import { textkingCallbackRoutes } from './callback-routes.js';
import { textkingCatalogueRoutes } from './catalogue-routes.js';
import { textkingContext } from './context.js';
import { textkingDocumentRoutes } from './document-routes.js';
import { textkingJobRoutes } from './job-routes.js';
import { textkingLineItemRoutes } from './line-item-routes.js';
import { textkingPriceInfoRoutes } from './price-info-routes.js';
import { textkingProjectRoutes } from './project-routes.js';
import { bodyOf, pageOf } from './request-input.js';
import { acceptXmlBodies } from './xml-body.js';

/** Every TextKing operation Jobline serves (api.json of the PHP client), under the `/v1` scope. */
export function textkingRoutes(scope: FastifyInstance, services: Services, mount: string): void {
  const tk = textkingContext(services, mount);
  acceptXmlBodies(scope);
  textkingProjectRoutes(scope, tk);
  textkingJobRoutes(scope, tk);
  textkingDocumentRoutes(scope, tk);
  textkingCallbackRoutes(scope, services, { base: tk.base, projectOf: tk.projectOf, jobOf: tk.jobOf, bodyOf, pageOf });
  textkingCatalogueRoutes(scope, { base: tk.base, pageOf });
  textkingLineItemRoutes(scope, services, { base: tk.base, projectOf: tk.projectOf, pageOf });
  textkingPriceInfoRoutes(scope, tk);
  textkingAccountRoutes(scope, tk);
}

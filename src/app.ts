import { installCompatApis, sendCompatRouterError, type CompatApiName } from './compat/index.js';
import { buildHttpApp, type App, type AppOptions } from './http/app.js';
import type { Services } from './services/context.js';

export interface BuildAppOptions extends AppOptions {
  /** Compatible APIs served at the root path as well as under /compat/<name> (docs/compat.md). */
  compatAtRoot: CompatApiName[];
}

/** The whole HTTP application: the native API (http/) with the compatible APIs (compat/) mounted in it. */
export async function buildApp(services: Services, options: Partial<BuildAppOptions> = {}): Promise<App> {
  const { compatAtRoot = [], ...native } = options;
  return buildHttpApp(services, native, {
    install: (app) => installCompatApis(app, services, { atRoot: compatAtRoot }),
    sendRouterError: sendCompatRouterError,
  });
}

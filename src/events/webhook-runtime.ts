import type { Logger } from 'pino';
import type { Services } from '../services/context.js';
import { WebhookDispatcher, type DispatcherOptions } from './dispatcher.js';
import { WebhookSender, type SenderOptions } from './sender.js';

export interface WebhookRuntimeOptions extends SenderOptions {
  dispatcher?: Omit<DispatcherOptions, 'onDeliveries' | 'logger'>;
  logger?: Logger | undefined;
}

/** The dispatcher and the sender together, as `jobline serve` and `jobline worker` run them. */
export class WebhookRuntime {
  readonly dispatcher: WebhookDispatcher;
  readonly sender: WebhookSender;

  constructor(services: Services, options: WebhookRuntimeOptions = {}) {
    const { dispatcher, ...sender } = options;
    this.sender = new WebhookSender(services, sender);
    this.dispatcher = new WebhookDispatcher(services, {
      ...dispatcher,
      logger: options.logger,
      onDeliveries: () => this.sender.wake(),
    });
  }

  start(): void {
    this.sender.start();
    this.dispatcher.start();
  }

  async stop(): Promise<void> {
    await this.dispatcher.stop();
    await this.sender.stop();
  }
}

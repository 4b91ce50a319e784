import { Webhook as Signer } from 'standardwebhooks';
import type { Webhook } from '../core/webhooks.js';

// Signatures per Standard Webhooks, made by the reference library receivers verify with. During a
// rotation both the new and the previous secret sign, space-separated in one header, so a receiver
// still holding the old secret keeps verifying until it switches.

const signers = new Map<string, Signer>();

function signer(secret: string): Signer {
  let s = signers.get(secret);
  if (s === undefined) {
    s = new Signer(secret);
    if (signers.size > 1000) signers.clear();
    signers.set(secret, s);
  }
  return s;
}

/** The `webhook-signature` value: `v1,<base64>` per valid secret. */
export function signatureHeader(
  webhook: Pick<Webhook, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>,
  msgId: string,
  timestamp: Date,
  payload: string,
  now: number,
): string {
  const signatures = [signer(webhook.secret).sign(msgId, timestamp, payload)];
  if (
    webhook.previousSecret !== null &&
    webhook.previousSecretExpiresAt !== null &&
    webhook.previousSecretExpiresAt > now
  ) {
    signatures.push(signer(webhook.previousSecret).sign(msgId, timestamp, payload));
  }
  return signatures.join(' ');
}

/** The three Standard Webhooks headers of one attempt; the timestamp is the attempt's, in seconds. */
export function webhookHeaders(
  webhook: Pick<Webhook, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>,
  msgId: string,
  payload: string,
  now: number,
): Record<string, string> {
  const timestamp = new Date(Math.floor(now / 1000) * 1000);
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp.getTime() / 1000),
    'webhook-signature': signatureHeader(webhook, msgId, timestamp, payload, now),
  };
}

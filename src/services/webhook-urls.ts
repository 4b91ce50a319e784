import { isPublicAddress, resolveAll } from './ssrf.js';

/**
 * Why a webhook or callback URL cannot be used, or undefined when it can: it must be http(s) without
 * credentials, and (unless private addresses are allowed) its host must resolve to public addresses
 * only. The sender checks the addresses again when it connects.
 */
export async function webhookUrlProblem(text: string, allowPrivate: boolean): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `must use http or https, not ${url.protocol.slice(0, -1)}`;
  if (url.username !== '' || url.password !== '')
    return 'must not contain credentials; verify deliveries by their signature instead';
  if (url.hostname === '') return 'must name a host';
  if (allowPrivate) return undefined;
  let addresses: { address: string }[];
  try {
    addresses = await resolveAll(url.hostname);
  } catch {
    return `its host ${url.hostname} does not resolve`;
  }
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad !== undefined)
    return `its host resolves to ${bad.address}, which is not a public address (loopback, private and link-local addresses need JOBLINE_WEBHOOK_ALLOW_PRIVATE=true)`;
  return undefined;
}

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

// Webhook URLs are chosen by API clients, and Jobline POSTs to them from inside the network it runs
// in: without a guard, a client could make it call the database, a cloud metadata service
// (169.254.169.254) or an admin port. Only public addresses are allowed, checked when a URL is
// registered and again when the connection is made, since DNS may answer differently by then
// (DNS rebinding). JOBLINE_WEBHOOK_ALLOW_PRIVATE=true lifts the rule (tests, private networks).

const blocked = new BlockList();
// IPv4 special-purpose ranges (RFC 6890 and the IANA registry) that are not globally reachable.
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata lives here)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, within it, is unwrapped before this check)
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // segment routing (SRv6) SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // A dotted IPv4 tail (::ffff:1.2.3.4) is two groups.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail !== null) {
    const p = tail[1]!.split('.').map(Number);
    text = `${text.slice(0, tail.index)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const a = head === '' ? [] : head.split(':');
  const b = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - a.length - b.length;
  if (fill < 0) return undefined;
  const groups = [...a, ...new Array<string>(fill).fill('0'), ...b].map((g) => Number.parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
const zero = (groups: number[]) => groups.every((g) => g === 0);

/**
 * The IPv4 addresses an IPv6 address carries, which decide for it: a packet to it ends up at them
 * (through the kernel, a NAT64 or 6to4 gateway, or a Teredo relay). Undefined when it carries none.
 */
function embeddedIpv4(g: number[]): string[] | undefined {
  const last = v4(g[6]!, g[7]!);
  if (zero(g.slice(0, 5)) && g[5] === 0xffff) return [last]; // IPv4-mapped ::ffff:a.b.c.d (RFC 4291)
  if (zero(g.slice(0, 4)) && g[4] === 0xffff && g[5] === 0) return [last]; // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765)
  if (zero(g.slice(0, 6)) && (g[6] !== 0 || g[7]! > 1)) return [last]; // IPv4-compatible ::a.b.c.d (deprecated; :: and ::1 are not)
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(g.slice(2, 6))) return [last]; // NAT64 well-known prefix 64:ff9b::/96 (RFC 6052)
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) {
    // NAT64 local-use 64:ff9b:1::/48 (RFC 8215): where the IPv4 address sits depends on the prefix length
    // the operator chose. With bits 48-95 zero, every RFC 6052 layout but /96 carries an address in
    // 0.0.0.0/8, never public, so the last 32 bits decide; any other address in it is refused rather
    // than guessed at.
    return zero(g.slice(3, 6)) ? [last] : ['0.0.0.0'];
  }
  if (g[0] === 0x2002) return [v4(g[1]!, g[2]!)]; // 6to4 2002:a.b.c.d::/48 (RFC 3056)
  // Teredo 2001:0::/32 (RFC 4380): the server's address is bits 32-63, the client's the last 32 bits inverted.
  if (g[0] === 0x2001 && g[1] === 0) return [v4(g[2]!, g[3]!), v4(g[6]! ^ 0xffff, g[7]! ^ 0xffff)];
  return undefined;
}

/** True for an address a webhook may be sent to: globally reachable, not loopback, private or link-local. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address.replace(/^\[|\]$/g, ''));
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const groups = ipv6Groups(address);
  if (groups === undefined) return false;
  const inner = embeddedIpv4(groups);
  if (inner !== undefined) return inner.every(isPublicAddress);
  const canonical = groups.map((g) => g.toString(16)).join(':');
  return !blocked.check(canonical, 'ipv6');
}

export class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
  constructor(host: string, address: string) {
    super(
      `${host} resolves to ${address}, which is not a public address (set JOBLINE_WEBHOOK_ALLOW_PRIVATE=true to allow it)`,
    );
    this.name = 'PrivateAddressError';
  }
}

/** Resolves a host name to every address it has (an IP literal resolves to itself). */
export function resolveAll(host: string): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family !== 0) return Promise.resolve([{ address: bare, family }]);
  return new Promise((resolve, reject) =>
    dnsLookup(bare, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );
}

/**
 * A `lookup` for http.request that refuses names resolving to any non-public address at connect time.
 * Every address must be public: a name answering one public and one private address could otherwise
 * be connected to the private one.
 */
export const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 4);
    const bad = addresses.find((a) => !isPublicAddress(a.address));
    if (bad !== undefined) return callback(new PrivateAddressError(hostname, bad.address), '', 4);
    if (options.all === true) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};

import { lookup as lookupCallback, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Addresses a user-supplied URL may not reach unless allow-listed (SSRF into the cluster). */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

export class TargetRefusedError extends Error {}

export function isPrivateAddress(address: string): boolean {
  // IPv4-mapped IPv6 (::ffff:a.b.c.d or ::ffff:xxxx:xxxx) is judged as the IPv4 address it maps.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPrivateAddress(mapped[1]);
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mappedHex) {
    const [hi, lo] = [parseInt(mappedHex[1], 16), parseInt(mappedHex[2], 16)];
    return isPrivateAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const family = isIP(address);
  if (family === 0) return true; // not an address: never trust it
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses a host that is, or resolves to any, private/loopback/link-local address unless the
 * host name or that address is in `allow`. Every address is checked, so a name with one public
 * and one private record is refused.
 */
export async function checkTargetHost(host: string, allow: readonly string[], resolve: Resolver = systemResolver): Promise<void> {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (allow.includes(bare)) return;
  let addresses: string[];
  try {
    addresses = isIP(bare) ? [bare] : await resolve(bare);
  } catch (e) {
    throw new TargetRefusedError(`cannot resolve ${bare}: ${(e as Error).message}`);
  }
  if (addresses.length === 0) throw new TargetRefusedError(`${bare} has no address`);
  const bad = addresses.filter((a) => isPrivateAddress(a) && !allow.includes(a));
  if (bad.length) throw new TargetRefusedError(`${bare} resolves to a private, loopback or link-local address (${bad.join(', ')}); add it to alerting.allowTargets (MERIDIAN_ALERT_ALLOW_TARGETS) to permit it`);
}

/** As checkTargetHost, for an http(s) URL. */
export async function checkTargetUrl(url: string, allow: readonly string[], resolve?: Resolver): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TargetRefusedError('not a valid URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TargetRefusedError('only http and https URLs are allowed');
  await checkTargetHost(u.hostname, allow, resolve);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request that applies the same rule at connect time, so a name cannot
 * resolve to a public address for the check and to a private one for the connection (DNS rebinding).
 */
export function guardedLookup(allow: readonly string[]) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    lookupCallback(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const host = hostname.toLowerCase();
      const bad = allow.includes(host) ? [] : addresses.filter((a) => isPrivateAddress(a.address) && !allow.includes(a.address));
      if (bad.length || addresses.length === 0) {
        return callback(new TargetRefusedError(`${host} resolves to a private, loopback or link-local address (${bad.map((a) => a.address).join(', ')})`), []);
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

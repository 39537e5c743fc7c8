import { lookup as lookupCallback, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why a target was refused; the message is shown to tenant users, so it names no server setting. */
export class TargetRefusedError extends Error {}

/**
 * The name did not resolve right now (NXDOMAIN, timeout). Saving a channel only warns about it:
 * DNS can be briefly down, and the send re-checks the addresses it actually connects to.
 */
export class TargetUnresolvedError extends TargetRefusedError {}

/** What a tenant user who hits the guard is told to do. */
const ASK_OPERATOR = 'alert targets must be public addresses; if this one is meant to be reachable, ask your Meridian operator to allow it';

/**
 * True unless the address is ordinary public unicast (ipaddr.js's `unicast` range). IPv6 forms
 * that carry an IPv4 address (mapped, IPv4-compatible, RFC 6145, NAT64 64:ff9b::/96, 6to4, Teredo)
 * are judged by the IPv4 addresses they carry, so `[64:ff9b::127.0.0.1]` is loopback.
 */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 0) return true; // not an address: never trust it
  const ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv4') return ip.range() !== 'unicast';
  const carried = embeddedIPv4(ip as ipaddr.IPv6);
  if (carried) return carried.some((v4) => v4.range() !== 'unicast');
  return ip.range() !== 'unicast';
}

/** The IPv4 addresses an IPv6 address routes to by its form, or undefined for a native IPv6 address. */
function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4[] | undefined {
  const p = ip.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  switch (ip.range()) {
    case 'ipv4Mapped': // ::ffff:a.b.c.d
    case 'rfc6145': // ::ffff:0:a.b.c.d
      return [v4(p[6], p[7])];
    case 'rfc6052': // NAT64: 64:ff9b::/96 carries it last; the local-use 64:ff9b:1::/48 may put it anywhere
      return p[2] === 0 ? [v4(p[6], p[7])] : [new ipaddr.IPv4([127, 0, 0, 1])];
    case '6to4': // 2002:AABB:CCDD::/48
      return [v4(p[1], p[2])];
    case 'teredo': // 2001:0:server:flags:port:~client
      return [v4(p[2], p[3]), v4(~p[6] & 0xffff, ~p[7] & 0xffff)];
  }
  // IPv4-compatible (deprecated) ::a.b.c.d, including :: and ::1 (0.0.0.0/8, never public).
  if (p.slice(0, 6).every((x) => x === 0)) return [v4(p[6], p[7])];
  return undefined;
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
    throw new TargetUnresolvedError(`cannot resolve ${bare} right now: ${(e as Error).message}`);
  }
  if (addresses.length === 0) throw new TargetUnresolvedError(`${bare} has no address right now`);
  const bad = addresses.filter((a) => isPrivateAddress(a) && !allow.includes(a));
  if (bad.length) throw new TargetRefusedError(`${bare} resolves to a private, loopback, link-local or reserved address (${bad.join(', ')}); ${ASK_OPERATOR}`);
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
        return callback(
          new TargetRefusedError(
            `${host} resolves to a private, loopback, link-local or reserved address (${bad.map((a) => a.address).join(', ')}); ${ASK_OPERATOR}`,
          ),
          [],
        );
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

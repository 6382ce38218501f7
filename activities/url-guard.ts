import * as dns from 'node:dns';
import * as net from 'node:net';

/**
 * SSRF guard for outbound requests a payload chooses (webhook callbacks). A URL is refused when it
 * carries credentials, or when ANY address its host resolves to is loopback, link-local (cloud
 * metadata included), private, unique-local, CGNAT, multicast or otherwise special, unless the
 * host is on the allow-list (CIVICOS_CALLBACK_HOSTS). The caller then connects to the address
 * that was checked (`pinnedLookup`), so a second DNS answer (rebinding) cannot swap it.
 */
export class UrlRefusedError extends Error {
  override readonly name = 'UrlRefused';
}

export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

export type Resolve = (hostname: string) => Promise<CheckedAddress[]>;

const RANGES: Array<{ label: string; type: 'ipv4' | 'ipv6'; network: string; prefix: number }> = [
  { label: 'unspecified ("this network")', type: 'ipv4', network: '0.0.0.0', prefix: 8 },
  { label: 'loopback', type: 'ipv4', network: '127.0.0.0', prefix: 8 },
  { label: 'private', type: 'ipv4', network: '10.0.0.0', prefix: 8 },
  { label: 'private', type: 'ipv4', network: '172.16.0.0', prefix: 12 },
  { label: 'private', type: 'ipv4', network: '192.168.0.0', prefix: 16 },
  { label: 'carrier-grade NAT (CGNAT)', type: 'ipv4', network: '100.64.0.0', prefix: 10 },
  { label: 'link-local (cloud metadata lives here)', type: 'ipv4', network: '169.254.0.0', prefix: 16 },
  { label: 'IETF protocol assignments', type: 'ipv4', network: '192.0.0.0', prefix: 24 },
  { label: 'documentation (TEST-NET)', type: 'ipv4', network: '192.0.2.0', prefix: 24 },
  { label: 'benchmarking', type: 'ipv4', network: '198.18.0.0', prefix: 15 },
  { label: 'documentation (TEST-NET)', type: 'ipv4', network: '198.51.100.0', prefix: 24 },
  { label: 'documentation (TEST-NET)', type: 'ipv4', network: '203.0.113.0', prefix: 24 },
  { label: 'multicast', type: 'ipv4', network: '224.0.0.0', prefix: 4 },
  { label: 'reserved or broadcast', type: 'ipv4', network: '240.0.0.0', prefix: 4 },
  { label: 'unspecified', type: 'ipv6', network: '::', prefix: 128 },
  { label: 'loopback', type: 'ipv6', network: '::1', prefix: 128 },
  { label: 'link-local', type: 'ipv6', network: 'fe80::', prefix: 10 },
  { label: 'site-local', type: 'ipv6', network: 'fec0::', prefix: 10 },
  { label: 'unique-local (private)', type: 'ipv6', network: 'fc00::', prefix: 7 },
  { label: 'multicast', type: 'ipv6', network: 'ff00::', prefix: 8 },
  { label: 'documentation', type: 'ipv6', network: '2001:db8::', prefix: 32 },
];

const BLOCKS = RANGES.map((range) => {
  const list = new net.BlockList();
  list.addSubnet(range.network, range.prefix, range.type);
  return { ...range, list };
});

/** The special-purpose class of an address ("loopback", "private", …), or undefined for a public one. */
export function addressClass(address: string): string | undefined {
  const family = net.isIP(address);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    // IPv4-mapped (::ffff:127.0.0.1) and NAT64 (64:ff9b::7f00:1) addresses reach the IPv4 host they embed.
    const embedded = embeddedIpv4(address);
    if (embedded) return addressClass(embedded);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  return BLOCKS.find((block) => block.type === type && block.list.check(address, type))?.label;
}

function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

export const systemResolve: Resolve = async (hostname) =>
  (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));

/** `[::1]` → `::1`; lower-case. */
export function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/**
 * Parses and checks a URL; resolves its host and checks every address. Returns the URL and the
 * address to connect to. Errors name the host and the address class, never the URL's credentials
 * or query.
 */
export async function checkOutboundUrl(raw: string, options: { allowedHosts: readonly string[]; resolve?: Resolve }): Promise<{ url: URL; address: CheckedAddress }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefusedError('not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UrlRefusedError(`scheme ${url.protocol} is not allowed; use http(s)`);
  if (url.username || url.password) throw new UrlRefusedError('the URL carries credentials (user:password@host); give the receiver a URL without them');
  const host = bareHost(url);
  const allowed = options.allowedHosts.map((h) => h.toLowerCase()).includes(host);
  let addresses: CheckedAddress[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await (options.resolve ?? systemResolve)(host);
    } catch (error) {
      throw new UrlRefusedError(`host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`);
    }
  }
  if (addresses.length === 0) throw new UrlRefusedError(`host ${host} does not resolve`);
  if (!allowed) {
    for (const { address } of addresses) {
      const kind = addressClass(address);
      if (kind) {
        throw new UrlRefusedError(
          `host ${host} resolves to ${address}, a ${kind} address; such hosts are refused unless listed in CIVICOS_CALLBACK_HOSTS`,
        );
      }
    }
  }
  return { url, address: addresses[0]! };
}

/** A `lookup` for http(s).request that answers with the checked address only (no second DNS query). */
export function pinnedLookup(checked: CheckedAddress): net.LookupFunction {
  return ((_hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  }) as net.LookupFunction;
}

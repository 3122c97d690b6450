/**
 * Which address a host's ranks announce to ranks on other hosts. With
 * `--if-include SPEC` (an IPv4/IPv6 CIDR such as `10.77.0.0/24`, or an interface name
 * such as `eth0`, or a comma-separated list of them, as Open MPI's `btl_tcp_if_include`)
 * the first matching address of this host; without it, on a remote host the address
 * the launcher's ssh connection arrived on (it is reachable from the launcher's
 * network), and on the launcher's host the address it uses to reach the first remote host.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

/** Bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 included), or null. */
function ipBytes(address: string): number[] | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4 !== null) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((byte) => byte <= 255) ? bytes : null;
  }
  if (isIP(address) !== 6) return null;
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = groups(head);
  const back = address.includes('::') ? groups(tail) : [];
  const words = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/** Parse `ADDRESS/BITS`; throws AddressError naming the text when it is not one. */
export function parseCidr(text: string): { bytes: number[]; bits: number } {
  const slash = text.indexOf('/');
  const bytes = ipBytes(slash < 0 ? text : text.slice(0, slash));
  const bits = slash < 0 ? (bytes?.length ?? 0) * 8 : Number(text.slice(slash + 1));
  if (bytes === null || !Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8) {
    throw new AddressError(`'${text}' is not a network in CIDR form (e.g. 10.1.0.0/16)`);
  }
  return { bytes, bits };
}

/** True when `address` lies inside the network `cidr`. */
export function inNetwork(address: string, cidr: { bytes: number[]; bits: number }): boolean {
  const bytes = ipBytes(address);
  if (bytes === null || bytes.length !== cidr.bytes.length) return false;
  for (let bit = 0; bit < cidr.bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    if (((bytes[bit >> 3] ?? 0) & mask) !== ((cidr.bytes[bit >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * The first address of this host selected by an --if-include spec, or an AddressError
 * that lists what the host has.
 */
export function selectAddress(spec: string, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>, host: string): string {
  const parts = spec
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) throw new AddressError(`--if-include '${spec}' names no network or interface`);
  for (const part of parts) {
    const looksLikeAddress = /^[\d.]+(\/\d+)?$/.test(part) || part.includes(':') || part.includes('/');
    const cidr = looksLikeAddress ? parseCidr(part) : null;
    for (const [name, infos] of Object.entries(interfaces)) {
      for (const info of infos ?? []) {
        if (cidr === null ? name === part && info.family === 'IPv4' : inNetwork(info.address, cidr)) return info.address;
      }
    }
  }
  const have = Object.entries(interfaces)
    .flatMap(([name, infos]) => (infos ?? []).map((info) => `${name} ${info.address}`))
    .join(', ');
  throw new AddressError(`no address of ${host} matches --if-include ${spec} (it has: ${have || 'none'})`);
}

/** The server side address of an `SSH_CONNECTION` value (`client port server port`). */
export function sshServerAddress(sshConnection: string | undefined): string | null {
  const server = sshConnection?.trim().split(/\s+/)[2];
  return server !== undefined && isIP(server) !== 0 ? server : null;
}

/**
 * The local address this host uses to reach `host` (a name or literal): a UDP socket is
 * connected, which picks a route and source address without sending anything.
 */
export async function routeAddressTo(host: string): Promise<string> {
  const { address: target, family } = await lookup(host);
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, target, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

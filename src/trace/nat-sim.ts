// ofproto/trace does not run conntrack: a recirculation after ct(nat…) is shown with the
// packet moved to the first address (and port) of the nat range, and its section header
// says so with the addresses and ports before and after. This is that flow text: empty
// for a nat without an address (OVS then prints the two labels with nothing after them).
import { formatIpv4, formatIpv6 } from '../model/values.js';

/** The addresses and ports ofproto/trace shows for an IPv4 (4) or IPv6 (6) nat range, or none (null). */
export function natSimFlow(get: (field: string) => bigint | undefined, af: 4 | 6 | null): string {
  const port = (f: string) => String(get(f) ?? 0n);
  if (af === 4) {
    return `nw_src=${formatIpv4(get('nw_src') ?? 0n)},tp_src=${port('tp_src')},nw_dst=${formatIpv4(get('nw_dst') ?? 0n)},tp_dst=${port('tp_dst')}`;
  }
  if (af === 6) {
    return `ipv6_src=[${formatIpv6(get('ipv6_src') ?? 0n)}],tp_src=${port('tp_src')},ipv6_dst=[${formatIpv6(get('ipv6_dst') ?? 0n)}],tp_dst=${port('tp_dst')}`;
  }
  return '';
}

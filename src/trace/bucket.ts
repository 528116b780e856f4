// What ofproto/trace says of a group bucket it passes over: `bucket N: not live due to
// port P` (a watched group is named as a port too, as OVS 3.1 prints it).
import { formatPort } from '../model/values.js';

const OFPP_ANY = 0xffff, OFPG_ANY = 0xffffffff;

export function bucketNotLive(id: number, watchPort: number | null, watchGroup: number | null): string {
  const why: string[] = [];
  if (watchPort !== null && watchPort !== OFPP_ANY) why.push(`port ${formatPort(BigInt(watchPort))}`);
  if (watchGroup !== null && watchGroup !== OFPG_ANY) why.push(`port ${watchGroup}`);
  return `bucket ${id}: not live due to ${why.join(' and ')}`;
}

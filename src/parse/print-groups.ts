// A group as `ovs-ofctl dump-groups` prints it. OpenFlow 1.0 (NXST_GROUP_DESC) and 1.5 dumps
// show bucket ids and the selection method; OpenFlow 1.1-1.4 dumps have neither. Bucket
// actions print in the dump's dialect (load vs set_field), as in flows.
import { formatCtx, formatActions } from '../model/print-flow.js';
import { formatIpv4, formatIpv6, formatMac, formatPort } from '../model/values.js';
import type { FieldSpec } from '../model/fields.js';
import type { Group } from './groups.js';

export interface GroupPrintOpts {
  /** The dump's OpenFlow version: 10 (NXST), 11-14 (no bucket ids, no selection method), 15. */
  ofVersion?: number;
  /** Same as ofVersion 15. */
  of15?: boolean;
  portNames?: Map<number, string>;
}

function formatMask(f: FieldSpec, v: bigint): string {
  switch (f.kind) {
    case 'ipv4': return formatIpv4(v);
    case 'ipv6': return formatIpv6(v);
    case 'mac': return formatMac(v);
    default: return '0x' + v.toString(16);
  }
}

export function formatGroup(g: Group, opts: GroupPrintOpts = {}): string {
  const version = opts.ofVersion ?? (opts.of15 ? 15 : 10);
  const ctx = formatCtx({ ofVersion: version, portNames: opts.portNames });
  const oneToFour = version > 10 && version < 15;
  let s = `group_id=${g.id},type=${g.type}`;
  if (!oneToFour) {
    if (g.selectionMethod) s += `,selection_method=${g.selectionMethod}`;
    if (g.selectionMethodParam) s += `,selection_method_param=${g.selectionMethodParam}`;
    if (g.fields.length) {
      s += `,fields(${g.fields.map((x) => (x.mask === null ? x.field.name : `${x.field.name}=${formatMask(x.field, x.mask)}`)).join(',')})`;
    }
  }
  g.buckets.forEach((b, i) => {
    const p: string[] = [];
    if (!oneToFour) p.push(`bucket_id:${b.id ?? i}`);
    if (g.type === 'select' && b.weight !== 1) p.push(`weight:${b.weight}`);
    if (b.watchPort !== null) p.push(`watch_port:${formatPort(BigInt(b.watchPort), opts.portNames)}`);
    if (b.watchGroup !== null) p.push(`watch_group:${b.watchGroup}`);
    p.push(`actions=${formatActions(b.actions, ctx)}`);
    s += `,bucket=${p.join(',')}`;
  });
  return s;
}

// sample(probability=P,collector_set_id=C,obs_domain_id=D,obs_point_id=O[,sampling_port=PORT]
// [,ingress|egress]): IPFIX/sFlow sampling of P out of 65535 packets.
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import { formatPort } from '../values.js';
import { args, intArg } from './args.js';
import { tryPort } from './output.js';
import type { ActionSpec } from './types.js';

export interface SampleArgs {
  probability: number; collectorSetId: number; obsDomainId: number; obsPointId: number;
  samplingPort: number | null;
  direction: 'ingress' | 'egress' | null;
}

export const sample: ActionSpec<SampleArgs> = {
  name: 'sample',
  heldBytes: () => 32,
  inert: true,
  parse(item, ctx) {
    const s: SampleArgs = { probability: 0, collectorSetId: 0, obsDomainId: 0, obsPointId: 0, samplingPort: null, direction: null };
    for (const it of args(item)) {
      const k = it.key.text;
      if (k === 'ingress' || k === 'egress') { s.direction = k; continue; }
      if (!['probability', 'collector_set_id', 'obs_domain_id', 'obs_point_id', 'sampling_port'].includes(k)) {
        fail(`invalid key "${k}" in "sample" argument`, it.key.span);
      }
      if (!it.eq) fail(`sample: ${k} needs a value (${k}=...)`, it.span);
      const text = valueText(it.eq);
      switch (k) {
        case 'probability':
          s.probability = intArg(text, 16, 'probability', it.eq.span);
          if (!s.probability) fail(`invalid probability value "${text}"`, it.eq.span);
          break;
        case 'collector_set_id': s.collectorSetId = intArg(text, 32, k, it.eq.span); break;
        case 'obs_domain_id': s.obsDomainId = intArg(text, 32, k, it.eq.span); break;
        case 'obs_point_id': s.obsPointId = intArg(text, 32, k, it.eq.span); break;
        default: {
          const p = tryPort(text, ctx);
          if (p === null) fail(`${text}: unknown port`, it.eq.span);
          s.samplingPort = p;
        }
      }
    }
    if (!s.probability) fail('non-zero "probability" must be specified on sample', item.span);
    return s;
  },
  execute: (_a, x) => x.sample(),
  format(s, ctx) {
    let out = `sample(probability=${s.probability},collector_set_id=${s.collectorSetId},obs_domain_id=${s.obsDomainId},obs_point_id=${s.obsPointId}`;
    if (s.samplingPort !== null) out += `,sampling_port=${formatPort(BigInt(s.samplingPort), ctx.portNames)}`;
    if (s.direction) out += `,${s.direction}`;
    return out + ')';
  },
};

// OVS's `-> FIELD[..] is now VALUE` after an action wrote a subfield with a value the
// action text does not show (move, pop, multipath, bundle_load, learn's result_dst): a
// whole field in the field's own notation, part of one as hex.
import { formatSubfield, type Subfield } from '../model/actions/args.js';
import { hexish, mfFormat } from '../model/actions/mf-format.js';
import { ones } from '../model/bits.js';

/** The detail text for `sf` once its field holds `whole`. */
export function subfieldIsNow(sf: Subfield, whole: bigint): string {
  const f = sf.field;
  const value = sf.ofs === 0 && sf.bits >= f.bits
    ? mfFormat(f, whole, ones(f.bytes * 8))
    : hexish((whole >> BigInt(sf.ofs)) & ones(sf.bits));
  return `${formatSubfield(sf)} is now ${value}`;
}

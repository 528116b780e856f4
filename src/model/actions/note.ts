// note:HEX.BYTES: an opaque annotation. OVS pads the NXAST_NOTE action to a multiple of 8
// bytes (10 bytes of header), and dumps show the padding as zero bytes.
import { fail } from '../errors.js';
import { valueText } from '../match.js';
import type { ActionSpec } from './types.js';

export interface NoteArgs { bytes: number[] }

export const note: ActionSpec<NoteArgs> = {
  name: 'note',
  inert: true,
  notRestored: true,
  parse(item) {
    if (item.args || item.eq) fail('note: expected note:HEX.BYTES', item.span);
    const text = item.colon ? valueText(item.colon) : '';
    const bytes: number[] = [];
    for (let i = 0; i < text.length;) {
      if (text[i] === '.') { i++; continue; }
      const pair = text.slice(i, i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) fail("bad hex digit in `note' argument", item.colon!.span);
      bytes.push(parseInt(pair, 16));
      i += 2;
    }
    const padded = Math.ceil((10 + bytes.length) / 8) * 8 - 10;
    while (bytes.length < padded) bytes.push(0);
    return { bytes };
  },
  execute: () => {},
  format: (a) => `note:${a.bytes.map((b) => b.toString(16).padStart(2, '0')).join('.')}`,
};

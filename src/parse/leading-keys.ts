// A dump repeats the leading `cookie=…, duration=…, table=…, n_packets=…,` keys on every
// line. They are read here by character code, without the grammar and without cutting
// strings: each key's value stays a span of the line, and a value that is plainly a number
// is read as one on the way (buildFlow takes the number and only cuts the text for the
// rest). What is read is what
//   /\s*(?:(cookie|duration|…|importance)=([^\s,=()]+),\s|(send_flow_rem|…|no_byte_counts)\s)/y
// reads, repeated from the start of the line.
import { LEAD_DECIMAL, LEAD_FRACTION, LEAD_HEX, LEAD_OTHER, type LeadingKeys } from '../model/flow.js';

const VALUED_KEYS = ['cookie', 'duration', 'table', 'n_packets', 'n_bytes', 'idle_timeout', 'hard_timeout', 'idle_age', 'hard_age', 'importance'];
const FLAG_KEYS = ['send_flow_rem', 'check_overlap', 'reset_counts', 'no_packet_counts', 'no_byte_counts'];
/** What may follow a key at the start of a line: a valued key with its `=`, or a flag.
 *  `codes`: text's character codes after the first (which picked the candidate). */
interface Candidate { key: string; text: string; valued: boolean; codes: number[] }
// By first character: the few keys to try there (compared in place, no word cut out).
const BY_FIRST: Candidate[][] = Array.from({ length: 128 }, () => []);
const candidate = (key: string, text: string, valued: boolean): Candidate =>
  ({ key, text, valued, codes: [...text.slice(1)].map((c) => c.charCodeAt(0)) });
for (const key of VALUED_KEYS) BY_FIRST[key.charCodeAt(0)].push(candidate(key, key + '=', true));
for (const key of FLAG_KEYS) BY_FIRST[key.charCodeAt(0)].push(candidate(key, key, false));
const NONE: Candidate[] = [];
const SPACE = /\s/;
// By UTF-16 code (NaN past the end: not a space); what \s matches, the regex deciding
// outside ASCII. No one-character strings per character read.
export const isSpace = (c: number): boolean => c === 32 || (c > 32 && c < 128 ? false : (c >= 9 && c <= 13) || (c >= 128 && SPACE.test(String.fromCharCode(c))));
// , = ( ) or a space
const endsValue = (c: number): boolean => c === 44 || c === 61 || c === 40 || c === 41 || isSpace(c);

/** Whether text continues at `at` with the character codes `codes`. */
function follows(text: string, at: number, codes: number[]): boolean {
  if (at + codes.length > text.length) return false;
  for (let j = 0; j < codes.length; j++) if (text.charCodeAt(at + j) !== codes[j]) return false;
  return true;
}

/** Where the first non-space character at or after `i` is (\s as a regex reads it). */
export function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** An empty LeadingKeys to reuse from line to line. */
export const newLeadingKeys = (): LeadingKeys => ({ n: 0, line: '', key: [], v0: [], v1: [], at: [], num: [], form: [] });

/** Reads the leading keys of `text` into `lead`; returns where the rest of the line starts. */
export function readLeadingKeys(text: string, lead: LeadingKeys): number {
  let end = 0;
  lead.n = 0;
  lead.line = text;
  for (;;) {
    const at = skipSpace(text, end);
    const candidates = BY_FIRST[text.charCodeAt(at)] ?? NONE;
    let hit: Candidate | null = null;
    for (let k = 0; k < candidates.length && hit === null; k++) if (follows(text, at + 1, candidates[k].codes)) hit = candidates[k];
    if (hit === null) return end;
    const i = lead.n;
    const w = at + hit.text.length;
    if (hit.valued) {
      const v0 = w;
      // Decimal digits (most values) are read as the value is scanned; others after it.
      let v1 = v0, n = 0, digits = true;
      for (; v1 < text.length; v1++) {
        const c = text.charCodeAt(v1);
        if (c >= 48 && c <= 57) n = n * 10 + (c - 48);
        else if (endsValue(c)) break;
        else digits = false;
      }
      if (v1 === v0 || text.charCodeAt(v1) !== 44 || !isSpace(text.charCodeAt(v1 + 1))) return end;
      lead.key[i] = hit.key; lead.v0[i] = v0; lead.v1[i] = v1; lead.at[i] = at;
      if (digits && v1 - v0 <= 15) { lead.num[i] = n; lead.form[i] = LEAD_DECIMAL; } else plainNumber(text, v0, v1, lead, i);
      end = v1 + 2;
    } else if (isSpace(text.charCodeAt(w))) {
      lead.key[i] = hit.key; lead.v0[i] = -1; lead.v1[i] = -1; lead.at[i] = at;
      lead.num[i] = 0; lead.form[i] = LEAD_OTHER;
      end = w + 1;
    } else return end;
    lead.n = i + 1;
  }
}

const digit = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : -1);
const hexDigit = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

/**
 * Sets lead.num[i] / lead.form[i] from text[v0, v1): decimal digits, digits with a
 * fraction and/or a trailing `s` (`duration=1.119s`), or `0x` and hex digits. At most 15
 * decimal or 13 hex digits, so the number is exact (a fraction is one division of two exact
 * numbers: rounded once, as Number.parseFloat rounds). Anything else is LEAD_OTHER.
 */
function plainNumber(text: string, v0: number, v1: number, lead: LeadingKeys, i: number): void {
  let n = 0, form = LEAD_OTHER;
  const len = v1 - v0;
  if (len > 2 && text.charCodeAt(v0) === 48 && text.charCodeAt(v0 + 1) === 120) {
    // 0x (not 0X: the cookie and timeout syntax has a lower-case x)
    let p = v0 + 2;
    for (; p < v1; p++) { const d = hexDigit(text.charCodeAt(p)); if (d < 0) break; n = n * 16 + d; }
    if (p === v1 && len <= 15) form = LEAD_HEX;
  } else {
    let p = v0, digits = 0, scale = 1;
    for (; p < v1; p++, digits++) { const d = digit(text.charCodeAt(p)); if (d < 0) break; n = n * 10 + d; }
    if (digits > 0 && p === v1) form = LEAD_DECIMAL;
    else if (digits > 0) {
      if (text.charCodeAt(p) === 46) { // .
        for (p++; p < v1; p++, digits++, scale *= 10) { const d = digit(text.charCodeAt(p)); if (d < 0) break; n = n * 10 + d; }
      }
      if (p < v1 && text.charCodeAt(p) === 115) p++; // s
      if (p === v1) { form = LEAD_FRACTION; n /= scale; }
    }
    if (digits > 15) form = LEAD_OTHER;
  }
  lead.num[i] = n;
  lead.form[i] = form;
}

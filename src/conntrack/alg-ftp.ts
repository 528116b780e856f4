// Reading FTP control lines for an expectation, once per profile: the two implementations
// accept different texts, and what they accept is the behaviour (a line one of them takes
// and the other refuses changes whether the data connection is RELATED). The kernel reads
// PORT / EPRT / 227 / 229 on either family (EPRT's protocol digit must be the
// connection's); OVS reads PORT / 227 on IPv4 only and EPRT / EXTENDED PASSIVE on IPv6
// only (recorded in test/oracle/alg-ext-{kernel,userspace}).

import { parseIp } from './addr.js';
import type { L3 } from './types.js';

/**
 * What OVS 3.1 userspace makes of a control packet's payload: `port` is a PORT or EPRT
 * command (active), `pasv` a 227 or EXTENDED PASSIVE reply; `at` / `size` say where the
 * address text is (size 0 for EPSV, which names none).
 */
export type UserFtp =
  | { kind: 'other' }
  | { kind: 'invalid' }
  | { kind: 'port' | 'pasv'; addr?: bigint; port: number; at: number; size: number };

/** The kernel's name for each command it reads (nf_ct_ftp_type). */
export type FtpCommand = 'port' | 'pasv' | 'eprt' | 'epsv';

/** What the kernel's FTP helper makes of a line: 1 found, 0 nothing, -1 half a command (dropped). */
export interface KernelFtp {
  found: -1 | 0 | 1;
  type?: FtpCommand;
  /** The announced address (undefined for EPSV, which names none) and port. */
  addr?: bigint;
  port?: number;
  /** Where the command's argument starts in the line and how many bytes it takes (what NAT rewrites). */
  off?: number;
  len?: number;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 48 && c <= 57;
const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** Case-insensitive prefix test on bytes (`strncasecmp` over `n` bytes, stopping at a NUL). */
function prefixIs(b: Uint8Array, text: string, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const c = b[i] ?? 0;
    if (lower(c) !== lower(text.charCodeAt(i))) return false;
    if (c === 0) return true;
  }
  return true;
}

/** A dotted quad as inet_pton reads it: four 0-255 parts, no leading zeros. */
function dottedQuad(s: string): number | undefined {
  const p = s.split('.');
  if (p.length !== 4 || !p.every((x) => /^(0|[1-9]\d{0,2})$/.test(x) && Number(x) <= 255)) return undefined;
  return p.reduce((a, x) => a * 256 + Number(x), 0);
}

/**
 * OVS userspace: the message is the payload's first bytes up to its last one (a 128-byte
 * window copied with strlcpy, which keeps one byte for the terminator) or its first NUL.
 * IPv4 looks at `PORT` commands and `227` replies only, IPv6 at EPRT and EXTENDED PASSIVE.
 */
export function userFtpLine(payload: Uint8Array, l3: L3): UserFtp {
  const end = Math.min(payload.length, 128) - 1;
  let msg = '';
  for (let i = 0; i < end && payload[i] !== 0; i++) msg += String.fromCharCode(payload[i]!);
  if (l3 === 'ipv6') return userFtp6(msg);
  const port = msg.slice(0, 4).toUpperCase() === 'PORT';
  if (!port && !msg.startsWith('227')) return { kind: 'other' };
  let i = msg.indexOf(' ', port ? 4 : 3);
  if (i < 0) return { kind: 'invalid' };
  while (i < msg.length && !isDigit(msg.charCodeAt(i))) i++;
  if (i >= msg.length) return { kind: 'invalid' };
  // Four commas end the address; the port's two numbers follow.
  const start = i;
  let commas = 0;
  while (commas < 4 && i < msg.length) if (msg[i++] === ',') commas++;
  if (commas !== 4) return { kind: 'invalid' };
  const addr = dottedQuad(msg.slice(start, i - 1).replaceAll(',', '.'));
  if (addr === undefined) return { kind: 'invalid' };
  // The high byte: a run of at most four digits; then one character is skipped, whatever it is.
  let j = i;
  while (j < msg.length && isDigit(msg.charCodeAt(j)) && j - i <= 3) j++;
  const hi = msg.slice(i, j);
  if (hi === '' || Number(hi) > 255) return { kind: 'invalid' };
  let k = j + 1;
  const loStart = k;
  while (k < msg.length && isDigit(msg.charCodeAt(k))) k++;
  const lo = msg.slice(loStart, k);
  if (lo === '' || Number(lo) > 255) return { kind: 'invalid' };
  return { kind: port ? 'port' : 'pasv', addr: BigInt(addr), port: Number(hi) * 256 + Number(lo), at: start, size: i - 1 - start };
}

/**
 * OVS userspace on IPv6: a message starting with EPRT, or one with EXTENDED PASSIVE
 * anywhere in it. EPRT: the first digit after the word must be the protocol 2 (one
 * digit), then one delimiter, the address (hex digits, `:` and `.`), one delimiter and
 * the port; the other: the port is the first number after the first `(`.
 */
function userFtp6(msg: string): UserFtp {
  const eprt = msg.slice(0, 4).toUpperCase() === 'EPRT';
  if (!eprt && !msg.toUpperCase().includes('EXTENDED PASSIVE')) return { kind: 'other' };
  let i = eprt ? 4 : msg.includes('(') ? msg.indexOf('(') : msg.length;
  while (i < msg.length && !isDigit(msg.charCodeAt(i))) i++;
  let at = 0, size = 0, addr: bigint | undefined;
  if (eprt) {
    if (msg[i] !== '2' || isDigit(msg.charCodeAt(i + 1))) return { kind: 'invalid' };
    at = i += 2;
    while (i < msg.length && /[0-9a-fA-F:.]/.test(msg[i]!)) i++;
    size = i - at;
    addr = ipv6Text(msg.slice(at, i));
    if (addr === undefined) return { kind: 'invalid' };
    i++;
  }
  // At most six digits are taken; the number must be a port.
  const start = i;
  while (i < msg.length && isDigit(msg.charCodeAt(i)) && i - start <= 5) i++;
  if (i === start || Number(msg.slice(start, i)) > 65535) return { kind: 'invalid' };
  return { kind: eprt ? 'port' : 'pasv', addr, port: Number(msg.slice(start, i)), at, size };
}

/** `n` numbers separated by `sep`, ended by `term` (0: by any other character); returns the length used, 0 on failure. */
function numbers(b: Uint8Array, at: number, n: number, sep: number, term: number, out: number[]): number {
  out.length = 0;
  for (let k = 0; k < n; k++) out.push(0);
  let i = 0;
  for (let len = 0; at + len < b.length && i < n; len++) {
    const c = b[at + len]!;
    if (isDigit(c)) out[i] = (out[i]! * 10 + c - 48) >>> 0;
    else if (c === sep) i++;
    else return (c === term || term === 0) && i === n - 1 ? len : 0;
  }
  return 0;
}

/** The port up to the delimiter (`|6446|`); returns the index after it, 0 on failure. */
function portUpTo(b: Uint8Array, start: number, delim: number, out: { port?: number }): number {
  let p = 0;
  for (let i = start; i < b.length; i++) {
    const c = b[i]!;
    if (c === delim) {
      if (p === 0) return 0;
      out.port = p;
      return i + 1;
    }
    if (!isDigit(c)) return 0;
    p = (p * 10 + c - 48) & 0xffff;
  }
  return 0;
}

/** Reads a command's argument at `at` into `r`; returns the bytes it takes, 0 when it is malformed. */
type GetNum = (b: Uint8Array, at: number, term: number, r: KernelFtp, l3: L3) => number;

const rfc959: GetNum = (b, at, term, r) => {
  const a: number[] = [];
  const len = numbers(b, at, 6, 44, term, a);
  if (len === 0) return 0;
  r.addr = BigInt(((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0);
  r.port = ((a[4]! << 8) | a[5]!) & 0xffff;
  return len;
};

/** 227 replies: the numbers start at the first digit, wherever it is. */
const rfc1123: GetNum = (b, at, _term, r) => {
  let i = at;
  while (i < b.length && !isDigit(b[i])) i++;
  r.off = i;
  if (i === b.length) return 0;
  const len = rfc959(b, i, 0, r, 'ipv4');
  return len && i - at + len;
};

/**
 * IPv6 address text as inet_pton (OVS) and in6_pton (kernel) read it, a dotted IPv4 tail
 * included (`::ffff:172.16.255.130`, recorded: ftp6-odd-lines).
 */
function ipv6Text(text: string): bigint | undefined {
  const tail = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const v4 = tail ? dottedQuad(tail[2]!) : undefined;
  if (tail && v4 === undefined) return undefined;
  const ip = parseIp(tail ? `${tail[1]}${(v4! >>> 16).toString(16)}:${(v4! & 0xffff).toString(16)}` : text);
  return ip?.l3 === 'ipv6' ? ip.value : undefined;
}

/** The IPv6 address text up to the delimiter `d` (in6_pton); returns its length, 0 when it is not one. */
function ipv6UpTo(b: Uint8Array, at: number, d: number, r: KernelFtp): number {
  let i = at;
  let text = '';
  for (; i < b.length && b[i] !== d; i++) text += String.fromCharCode(b[i]!);
  const addr = i < b.length ? ipv6Text(text) : undefined;
  if (addr === undefined) return 0;
  r.addr = addr;
  return i - at;
}

/** `EPRT |1|a.b.c.d|port|` or `EPRT |2|ipv6|port|`: the protocol digit must be the connection's family. */
const eprt: GetNum = (b, at, _term, r, l3) => {
  if (b.length - at <= 3) return 0;
  const d = b[at]!;
  if (isDigit(d) || d < 33 || d > 126 || b[at + 2] !== d || b[at + 1] !== (l3 === 'ipv4' ? 49 : 50)) return 0;
  let len: number;
  if (l3 === 'ipv4') {
    const a: number[] = [];
    len = numbers(b, at + 3, 4, 46, d, a);
    r.addr = BigInt(((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0);
  } else len = ipv6UpTo(b, at + 3, d, r);
  if (len === 0) return 0;
  const end = portUpTo(b, at + 3 + len + 1, d, r);
  return end && end - at;
};

/** `229 ... (|||port|)`: no address, the expectation goes to the server's. */
const epsv: GetNum = (b, at, _term, r) => {
  if (b.length - at <= 3) return 0;
  const d = b[at]!;
  if (isDigit(d) || d < 33 || d > 126 || b[at + 1] !== d || b[at + 2] !== d) return 0;
  const end = portUpTo(b, at + 3, d, r);
  return end && end - at;
};

interface Pattern { text: string; type: FtpCommand; skip: number; term: number; get: GetNum }

/** Per direction (0 from the client, 1 from the server), the commands the kernel looks for. */
const PATTERNS: [Pattern[], Pattern[]] = [
  [{ text: 'PORT', type: 'port', skip: 32, term: 13, get: rfc959 }, { text: 'EPRT', type: 'eprt', skip: 32, term: 13, get: eprt }],
  [{ text: '227 ', type: 'pasv', skip: 0, term: 0, get: rfc1123 }, { text: '229 ', type: 'epsv', skip: 40, term: 41, get: epsv }],
];

function findPattern(b: Uint8Array, p: Pattern, l3: L3): KernelFtp {
  const plen = p.text.length;
  // A payload no longer than the command word: half a command if it starts like one.
  if (b.length <= plen) return { found: prefixIs(b, p.text, b.length) ? -1 : 0 };
  if (!prefixIs(b, p.text, plen)) return { found: 0 };
  let i = plen;
  if (p.skip) {
    for (; b[i] !== p.skip; i++) if (i === b.length - 1) return { found: -1 };
    i++;
  }
  const r: KernelFtp = { found: 1, type: p.type };
  const len = p.get(b, i, p.term, r, l3);
  if (!len) return { found: -1 };
  // A 227 reply's numbers start at its first digit (rfc1123 sets off there).
  const off = r.off ?? i;
  r.off = off;
  r.len = len - (off - i);
  return r;
}

/** The kernel helper's reading of one line in direction `dir` of a connection of family `l3`. */
export function kernelFtpLine(payload: Uint8Array, dir: 0 | 1, l3: L3): KernelFtp {
  for (const p of PATTERNS[dir]) {
    const r = findPattern(payload, p, l3);
    if (r.found !== 0) return r;
  }
  return { found: 0 };
}

/** Kernel: remembers `seq` as a position just after a newline (two per direction, the newest kept). */
export function rememberNewline(list: number[], seq: number): void {
  if (list.includes(seq)) return;
  if (list.length < 2) {
    list.push(seq);
    return;
  }
  const oldest = ((list[0]! - list[1]!) | 0) < 0 ? 0 : 1;
  if (((seq - list[oldest]!) | 0) > 0) list[oldest] = seq;
}

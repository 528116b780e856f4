// Profiles: which tracker to emulate and how its knobs are set.
// Knobs are named as the kernel's sysctls (net.netfilter.nf_conntrack_*). For the
// userspace profile each is mapped to the OVS equivalent, or refused when OVS has none.

import { CtConfigError, nearest } from './errors.js';
import {
  kernelDefaults,
  userspaceDefaults,
  type KernelTcpStateName,
  type KernelTimeouts,
  type UserTpAttr,
} from './timeouts.js';
import type { SctpState } from './sctp-kernel.js';
import type { Profile } from './types.js';

export interface KernelConfig {
  profile: 'kernel';
  tcpLoose: boolean;
  beLiberal: boolean;
  maxRetrans: number;
  ignoreInvalidRst: boolean;
  timeouts: KernelTimeouts;
}

export interface UserspaceConfig {
  profile: 'userspace';
  /** false ≙ `ovs-appctl dpctl/ct-disable-tcp-seq-chk`. */
  tcpSeqCheck: boolean;
  /** The zone timeout policy (built-in defaults overridden by knobs). */
  policy: Map<UserTpAttr, number>;
}

export type CtConfig = KernelConfig | UserspaceConfig;

type Apply = (k: KernelConfig, v: number) => void;
interface Knob {
  kernel: Apply;
  /** How the userspace profile takes it; a string is the reason it cannot. */
  userspace: ((u: UserspaceConfig, v: number) => void) | string;
}

const tcpTimeout = (state: KernelTcpStateName, attr?: UserTpAttr): Knob => ({
  kernel: (k, v) => k.timeouts.tcp.set(state, v),
  userspace: attr
    ? (u, v) => u.policy.set(attr, v)
    : `the OVS userspace tracker has no ${state} state (pf-style per-direction states)`,
});

const bool = (name: string, v: number): boolean => {
  if (v !== 0 && v !== 1) throw new CtConfigError(`${name} must be 0 or 1, not ${v}`, name);
  return v === 1;
};

/** SCTP states with a timeout sysctl of their own. */
const SCTP_STATES: SctpState[] = [
  'CLOSED', 'COOKIE_WAIT', 'COOKIE_ECHOED', 'ESTABLISHED',
  'SHUTDOWN_SENT', 'SHUTDOWN_RECD', 'SHUTDOWN_ACK_SENT', 'HEARTBEAT_SENT',
];
const NO_USER_SCTP_GRE =
  'OVS userspace conntrack tracks SCTP and GRE as "other" protocols with the udp_* timeouts (set nf_conntrack_udp_timeout / _stream)';

const KNOBS = new Map<string, Knob>([
  [
    'nf_conntrack_tcp_loose',
    {
      kernel: (k, v) => (k.tcpLoose = bool('nf_conntrack_tcp_loose', v)),
      userspace:
        'OVS userspace conntrack always picks up mid-stream TCP connections; there is no equivalent knob',
    },
  ],
  [
    'nf_conntrack_tcp_be_liberal',
    {
      kernel: (k, v) => (k.beLiberal = bool('nf_conntrack_tcp_be_liberal', v)),
      // 1 ≙ dpctl/ct-disable-tcp-seq-chk, 0 ≙ dpctl/ct-enable-tcp-seq-chk (the default).
      userspace: (u, v) => (u.tcpSeqCheck = !bool('nf_conntrack_tcp_be_liberal', v)),
    },
  ],
  [
    'nf_conntrack_tcp_max_retrans',
    { kernel: (k, v) => (k.maxRetrans = v), userspace: 'OVS userspace conntrack does not count retransmissions' },
  ],
  [
    'nf_conntrack_tcp_ignore_invalid_rst',
    {
      kernel: (k, v) => (k.ignoreInvalidRst = bool('nf_conntrack_tcp_ignore_invalid_rst', v)),
      userspace: 'OVS userspace conntrack has no separate RST sequence check to relax',
    },
  ],
  ['nf_conntrack_tcp_timeout_syn_sent', tcpTimeout('SYN_SENT', 'tcp_syn_sent')],
  ['nf_conntrack_tcp_timeout_syn_recv', tcpTimeout('SYN_RECV', 'tcp_syn_recv')],
  ['nf_conntrack_tcp_timeout_established', tcpTimeout('ESTABLISHED', 'tcp_established')],
  ['nf_conntrack_tcp_timeout_fin_wait', tcpTimeout('FIN_WAIT', 'tcp_fin_wait')],
  ['nf_conntrack_tcp_timeout_close_wait', tcpTimeout('CLOSE_WAIT')],
  ['nf_conntrack_tcp_timeout_last_ack', tcpTimeout('LAST_ACK')],
  ['nf_conntrack_tcp_timeout_time_wait', tcpTimeout('TIME_WAIT', 'tcp_time_wait')],
  ['nf_conntrack_tcp_timeout_close', tcpTimeout('CLOSE', 'tcp_close')],
  [
    'nf_conntrack_tcp_timeout_max_retrans',
    {
      kernel: (k, v) => (k.timeouts.tcpRetrans = v),
      userspace: 'the OVS userspace tracker never uses tcp_retransmit',
    },
  ],
  [
    'nf_conntrack_tcp_timeout_unacknowledged',
    {
      kernel: (k, v) => (k.timeouts.tcpUnack = v),
      userspace: 'the OVS userspace tracker has no unacknowledged-data timer (tcp_unack is unused)',
    },
  ],
  [
    'nf_conntrack_udp_timeout',
    {
      kernel: (k, v) => (k.timeouts.udp = v),
      // OVS programs the kernel's UDP_UNREPLIED from udp_first/udp_single; the inverse here.
      userspace: (u, v) => {
        u.policy.set('udp_first', v);
        u.policy.set('udp_single', v);
      },
    },
  ],
  [
    'nf_conntrack_udp_timeout_stream',
    { kernel: (k, v) => (k.timeouts.udpStream = v), userspace: (u, v) => u.policy.set('udp_multiple', v) },
  ],
  [
    'nf_conntrack_icmp_timeout',
    {
      kernel: (k, v) => (k.timeouts.icmp = v),
      userspace: (u, v) => {
        u.policy.set('icmp_first', v);
        u.policy.set('icmp_reply', v);
      },
    },
  ],
  [
    'nf_conntrack_icmpv6_timeout',
    {
      kernel: (k, v) => (k.timeouts.icmpv6 = v),
      userspace: (u, v) => {
        u.policy.set('icmp_first', v);
        u.policy.set('icmp_reply', v);
      },
    },
  ],
  [
    'nf_conntrack_generic_timeout',
    {
      kernel: (k, v) => (k.timeouts.generic = v),
      userspace: 'OVS userspace tracks other protocols with the udp_* timeouts; there is no generic timeout',
    },
  ],
  ...SCTP_STATES.map((s): [string, Knob] => [
    `nf_conntrack_sctp_timeout_${s.toLowerCase()}`,
    { kernel: (k, v) => k.timeouts.sctp.set(s, v), userspace: NO_USER_SCTP_GRE },
  ]),
  ['nf_conntrack_gre_timeout', { kernel: (k, v) => (k.timeouts.gre = v), userspace: NO_USER_SCTP_GRE }],
  ['nf_conntrack_gre_timeout_stream', { kernel: (k, v) => (k.timeouts.greStream = v), userspace: NO_USER_SCTP_GRE }],
]);

/** Every knob name this module understands. */
export const KNOB_NAMES: readonly string[] = [...KNOBS.keys()];

function toNumber(name: string, raw: string | number): number {
  const v = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(v) || v < 0) {
    throw new CtConfigError(`${name}: expected a non-negative integer, got '${String(raw)}'`, name);
  }
  return v;
}

export function makeConfig(profile: Profile, sysctls?: Map<string, string | number>): CtConfig {
  if (profile !== 'kernel' && profile !== 'userspace') {
    throw new CtConfigError(`unknown conntrack profile '${String(profile)}' (expected kernel or userspace)`, 'profile');
  }
  const kernel: KernelConfig = {
    profile: 'kernel',
    tcpLoose: true,
    beLiberal: false,
    maxRetrans: 3,
    ignoreInvalidRst: false,
    timeouts: kernelDefaults(),
  };
  const user: UserspaceConfig = { profile: 'userspace', tcpSeqCheck: true, policy: userspaceDefaults() };
  for (const [rawName, raw] of sysctls ?? new Map<string, string | number>()) {
    // Accept the full sysctl path as well: net.netfilter.nf_conntrack_tcp_loose.
    const name = rawName.replace(/^net\.netfilter\./, '');
    const knob = KNOBS.get(name);
    if (!knob) {
      const hint = nearest(name, KNOBS.keys());
      throw new CtConfigError(`unknown conntrack sysctl '${rawName}'${hint ? ` (did you mean '${hint}'?)` : ''}`, rawName);
    }
    const v = toNumber(name, raw);
    if (profile === 'kernel') knob.kernel(kernel, v);
    else if (typeof knob.userspace === 'string') {
      throw new CtConfigError(`${name} has no OVS userspace equivalent: ${knob.userspace}`, name);
    } else knob.userspace(user, v);
  }
  return profile === 'kernel' ? kernel : user;
}

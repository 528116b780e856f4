// Built-in timeouts, in seconds, of both trackers.
// Kernel: nf_conntrack defaults (net.netfilter.nf_conntrack_*), as recorded on 6.18.
// Userspace: OVS 3.1 built-in timeout policy (dpctl zone timeout-policy attribute names).

export type KernelTcpStateName =
  | 'NONE'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'ESTABLISHED'
  | 'FIN_WAIT'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'SYN_SENT2';

export interface KernelTimeouts {
  tcp: Map<KernelTcpStateName, number>;
  tcpRetrans: number;
  tcpUnack: number;
  udp: number;
  udpStream: number;
  icmp: number;
  icmpv6: number;
  generic: number;
  /** SCTP per state (nf_conntrack_sctp_timeout_*); NONE uses CLOSED's. */
  sctp: Map<import('./sctp-kernel.js').SctpState, number>;
  gre: number;
  greStream: number;
}

export function kernelDefaults(): KernelTimeouts {
  return {
    tcp: new Map<KernelTcpStateName, number>([
      ['NONE', 0],
      ['SYN_SENT', 120],
      ['SYN_RECV', 60],
      ['ESTABLISHED', 432000],
      ['FIN_WAIT', 120],
      ['CLOSE_WAIT', 60],
      ['LAST_ACK', 30],
      ['TIME_WAIT', 120],
      ['CLOSE', 10],
      // No sysctl of its own; the kernel keeps it at 2 minutes.
      ['SYN_SENT2', 120],
    ]),
    tcpRetrans: 300,
    tcpUnack: 300,
    udp: 30,
    udpStream: 120,
    icmp: 30,
    icmpv6: 30,
    generic: 600,
    sctp: new Map([
      ['CLOSED', 10],
      ['COOKIE_WAIT', 3],
      ['COOKIE_ECHOED', 3],
      ['ESTABLISHED', 210],
      ['SHUTDOWN_SENT', 3],
      ['SHUTDOWN_RECD', 3],
      ['SHUTDOWN_ACK_SENT', 3],
      ['HEARTBEAT_SENT', 30],
    ]),
    gre: 30,
    greStream: 180,
  };
}

/** Timeout-policy attributes the OVS userspace tracker reads (others exist but are unused). */
export type UserTpAttr =
  | 'tcp_syn_sent'
  | 'tcp_syn_recv'
  | 'tcp_established'
  | 'tcp_fin_wait'
  | 'tcp_time_wait'
  | 'tcp_close'
  | 'udp_first'
  | 'udp_single'
  | 'udp_multiple'
  | 'icmp_first'
  | 'icmp_reply';

export function userspaceDefaults(): Map<UserTpAttr, number> {
  return new Map<UserTpAttr, number>([
    ['tcp_syn_sent', 30],
    ['tcp_syn_recv', 30],
    ['tcp_established', 86400],
    ['tcp_fin_wait', 900],
    ['tcp_time_wait', 45],
    ['tcp_close', 30],
    ['udp_first', 60],
    ['udp_single', 60],
    ['udp_multiple', 30],
    ['icmp_first', 60],
    ['icmp_reply', 30],
  ]);
}

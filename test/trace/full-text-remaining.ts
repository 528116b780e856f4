// Recorded cases whose full trace text ctflow does not (yet) print as OVS 3.1 did, each
// with the first reason it differs (full-text.test.ts fails when one starts agreeing).

export const REMAINING = new Map<string, string>([
  ['reject-flow-in-table-254-partial-add', "OVS's internal table 254 holds hidden flows (a lookup there matches `recirc_id=0, priority 2`); ctflow's is empty"],
]);

// Oracle cases where ctflow does not (yet) give what real OVS 3.1 recorded, and why.
// The oracle test fails when one of these starts agreeing, so the list stays honest.
const REJECT = 'OVS refuses the flows at add-flows time; ctflow\'s parser accepts them';
// FLOOD/ALL/NORMAL cases (output_order_unstable) are compared up to the order of their
// outputs, which OVS itself changes from one ovs-vswitchd start to the next (oracle-case.ts);
// test/pipeline/normal.test.ts checks that FLOOD/ALL follow OVS's hash buckets.


export const KNOWN = new Map<string, string>([
  ['reject-group-missing', REJECT], ['reject-meter-missing-of13', REJECT],
]);

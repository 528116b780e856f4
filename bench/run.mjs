// `npm run bench`: speed and memory, with real OVS measured side by side where it applies.
import { benchConntrack } from './conntrack.mjs';
import { benchFlows } from './flows.mjs';
import { benchPipeline } from './pipeline.mjs';

const only = process.argv.slice(2);
const all = { flows: () => benchFlows(), conntrack: () => benchConntrack(), pipeline: () => benchPipeline() };
for (const [name, run] of Object.entries(all)) {
  if (only.length && !only.includes(name)) continue;
  const r = run();
  console.log(JSON.stringify(r, null, 2));
}

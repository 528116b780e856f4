// The corpus oracle: every line recorded from real ovs-ofctl, checked the same way
// (one parse, canonical print equal to the recording, print → reparse → same print).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'corpus');

export interface CorpusEntry {
  input: string;
  protocol?: string;
  canonical?: string | string[];
  names?: string;
  of15?: string;
  stats?: string;
  via?: string;
  error?: string;
  exit?: number;
  warning?: string;
}

export const CORPUS_GROUPS = ['matches', 'actions', 'ct', 'learn', 'flowkeys', 'ovs-ofctl-at', 'errors'];

export function loadCorpus(group: string): CorpusEntry[] {
  return JSON.parse(readFileSync(join(CORPUS_DIR, `${group}.json`), 'utf8'));
}

/** The ports of the bridge the corpus was recorded on (see test/corpus/README.md). */
export const CORPUS_PORTS = new Map<string, number>([
  ['p1', 1], ['p2', 2], ['p3', 3], ['p4', 4], ['vm1', 10], ['lr0-ext', 11], ['br0', 0xfffe],
]);

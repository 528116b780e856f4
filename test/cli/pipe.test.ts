// Output piped into a reader that stops early (`| head -1`): every command stops quietly,
// without a stack trace on stderr, as a C tool ended by SIGPIPE does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
// Output far larger than a pipe's buffer (64 KiB): the OVN table twenty times over.
const big = join(mkdtempSync(join(tmpdir(), 'ctflow-pipe-')), 'big.flows');
writeFileSync(big, readFileSync(join(ROOT, 'flows/ovn-acl.flows'), 'utf8').repeat(20));

/** Runs ctflow with stdout into a pipe closed after the first chunk read. */
function firstChunk(args: string[]): Promise<{ status: number | null; first: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT });
    let first = '', stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    p.stdout.once('data', (d) => { first = String(d).split('\n')[0]; p.stdout.destroy(); });
    p.on('close', (status) => resolve({ status, first, stderr }));
  });
}

describe('output into a closed pipe', () => {
  for (const [what, args, firstLine] of [
    ['lint', ['lint', 'flows/ovn-acl.flows'], /^flows\/ovn-acl\.flows:\d+:\d+: /],
    ['fmt', ['fmt', big], /^ cookie=0x/],
    ['parse', ['parse', big], /^\{/],
  ] as const) {
    it(`${what}: stops quietly`, async () => {
      const r = await firstChunk([...args]);
      expect(r.first).toMatch(firstLine);
      expect(r.stderr).toBe('');
      expect(r.status).not.toBeNull();
    });
  }
});

// `faultline serve` through the built command: it prints its URL and serves; bad input is one line.
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'faultline.js');

describe('faultline serve (command)', () => {
  it('listens on loopback on the port asked for (0: any), prints the URL, and serves the listing', async () => {
    const child = execa('node', [bin, 'serve', '--port', '0', '--store', join(import.meta.dirname, 'no-such-store')], { reject: false });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on('data', (chunk: Buffer) => {
          const m = /faultline serve: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(chunk.toString());
          if (m) resolve(m[1]!);
        });
        void child.then((r) => reject(new Error(`serve exited: ${r.stderr}`)));
      });
      const page = await (await fetch(url)).text();
      expect(page).toContain('0 runs in');
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  });

  it('rejects a bad port in one line', async () => {
    const r = await execa('node', [bin, 'serve', '--port', '80000'], { reject: false });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toBe('faultline: --port "80000" is not valid; expected a whole number from 0 to 65535');
  });
});

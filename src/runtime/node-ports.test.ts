import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephemeralPortFloor, holdNodePort, NODE_PORT_FLOOR } from './node-ports.js';

describe('node ports on the local runtime', () => {
  it('come from below the ephemeral range, where the kernel never picks a source port', async () => {
    const floor = ephemeralPortFloor();
    const held = await Promise.all(Array.from({ length: 10 }, () => holdNodePort()));
    try {
      for (const { port } of held) {
        expect(port).toBeGreaterThanOrEqual(NODE_PORT_FLOOR);
        expect(port).toBeLessThan(floor);
      }
      expect(new Set(held.map((h) => h.port)).size).toBe(10);
    } finally {
      await Promise.all(held.map((h) => h.release()));
    }
  });

  it('pass over a port someone else holds, and fall back to a kernel port when none is free', async () => {
    const taken = await holdNodePort();
    const at = (port: number) => (port - NODE_PORT_FLOOR + 0.5) / (ephemeralPortFloor() - NODE_PORT_FLOOR);
    let calls = 0;
    const next = await holdNodePort({ random: () => (calls++ === 0 ? at(taken.port) : at(taken.port + 1)) });
    try {
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(next.port).not.toBe(taken.port);
      const fallback = await holdNodePort({ random: () => at(taken.port), tries: 3 });
      expect(fallback.port).not.toBe(taken.port);
      expect(fallback.port).toBeGreaterThanOrEqual(ephemeralPortFloor() > 1024 ? 1024 : 0);
      await fallback.release();
    } finally {
      await Promise.all([taken.release(), next.release()]);
    }
  });

  it('read the ephemeral range from the kernel, 32768 when it cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-ports-'));
    writeFileSync(join(dir, 'range'), '40000\t60999\n');
    expect(ephemeralPortFloor(join(dir, 'range'))).toBe(40_000);
    expect(ephemeralPortFloor(join(dir, 'missing'))).toBe(32_768);
  });
});

import { describe, expect, it } from 'vitest';
import { ownerAlive } from './docker-cleanup.js';
import { demux } from './docker-engine.js';

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker engine helpers', () => {
  it('demultiplexes stdout and stderr frames in order', () => {
    expect(demux(Buffer.concat([frame(1, 'out '), frame(2, 'err\n'), frame(1, 'more')]))).toBe('out err\nmore');
    expect(demux(Buffer.from('plain text, not multiplexed'))).toBe('plain text, not multiplexed');
  });

  it('cleanup spares only runs whose controller lives on this machine', () => {
    const alive = (pid: number) => pid === 42;
    expect(ownerAlive('box/42', 'box', alive)).toBe(true);
    expect(ownerAlive('box/43', 'box', alive)).toBe(false);
    expect(ownerAlive('other/42', 'box', alive)).toBe(false);
    expect(ownerAlive(undefined, 'box', alive)).toBe(false);
  });
});

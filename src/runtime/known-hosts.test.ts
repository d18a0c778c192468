import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, describeHostKey, hostPattern, parseKnownHosts, patternsMatch } from './known-hosts.js';

/** An ed25519 public key blob as SSH sends it: string "ssh-ed25519", string key. */
function ed25519Blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const type = Buffer.from('ssh-ed25519');
  const len = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  return Buffer.concat([len(type.length), type, len(raw.length), raw]);
}

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdefghij');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known hosts', () => {
  const key = ed25519Blob();
  const other = ed25519Blob();
  const line = (patterns: string, blob = key) => `${patterns} ssh-ed25519 ${blob.toString('base64')}`;

  it('names hosts off port 22 in brackets', () => {
    expect(hostPattern('n1', 22)).toBe('n1');
    expect(hostPattern('10.0.0.2', 2222)).toBe('[10.0.0.2]:2222');
  });

  it('matches plain, listed, wildcard, negated and hashed patterns', () => {
    expect(patternsMatch('n1,n2', 'n2')).toBe(true);
    expect(patternsMatch('*.example', 'db.example')).toBe(true);
    expect(patternsMatch('*.example,!bad.example', 'bad.example')).toBe(false);
    expect(patternsMatch('n?', 'n10')).toBe(false);
    expect(patternsMatch('[n1]:2222', '[n1]:2222')).toBe(true);
    expect(patternsMatch(hashed('[n1]:2222'), '[n1]:2222')).toBe(true);
    expect(patternsMatch(hashed('n1'), 'n2')).toBe(false);
  });

  it('tells known, unknown, changed and revoked keys apart', () => {
    const entries = parseKnownHosts(['# comment', '', line('n1'), line('[n2]:2222'), line(hashed('n3')), `@revoked * ssh-ed25519 ${other.toString('base64')}`, 'garbage'].join('\n'));
    expect(entries).toHaveLength(4);
    expect(checkHostKey(entries, 'n1', 22, key)).toBe('known');
    expect(checkHostKey(entries, 'n2', 2222, key)).toBe('known');
    expect(checkHostKey(entries, 'n2', 22, key)).toBe('unknown');
    expect(checkHostKey(entries, 'n3', 22, key)).toBe('known');
    expect(checkHostKey(entries, 'n4', 22, key)).toBe('unknown');
    expect(checkHostKey(parseKnownHosts(line('n1', other)), 'n1', 22, key)).toBe('changed');
    expect(checkHostKey(entries, 'n1', 22, other)).toBe('revoked');
  });

  it('describes a key as ssh-keygen -l does', () => {
    expect(describeHostKey(key)).toMatch(/^ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}$/);
  });
});

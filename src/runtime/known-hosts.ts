// Host keys checked the way OpenSSH checks them: a known_hosts file's plain, wildcard and hashed
// (`|1|salt|hash`) entries, `[host]:port` for ports other than 22, `@revoked` keys refused.
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  marker?: '@revoked' | '@cert-authority';
  patterns: string;
  keyType: string;
  /** The key blob, as base64 in the file. */
  key: string;
}

/** The entries of a known_hosts file; comments, blank and malformed lines are skipped (as ssh does). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const words = raw.trim().split(/\s+/);
    if (words[0] === undefined || words[0] === '' || words[0].startsWith('#')) continue;
    const marker = words[0] === '@revoked' || words[0] === '@cert-authority' ? (words.shift() as KnownHostEntry['marker']) : undefined;
    const [patterns, keyType, key] = words;
    if (!patterns || !keyType || !key) continue;
    entries.push({ ...(marker && { marker }), patterns, keyType, key });
  }
  return entries;
}

/** How a host is named in known_hosts: `host`, or `[host]:port` off port 22. */
export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether one comma-separated pattern list names `name` (negations `!pat` veto; `*` and `?` glob; `|1|` hashed). */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of patterns.split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    const regex = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (!regex.test(name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** What a known_hosts file says of a host's key: known, unknown (no entry for the host), changed, or revoked. */
export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/** Checks a host's key blob (as the SSH handshake presents it) against the entries. */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
  const name = hostPattern(host, port);
  const key = keyBlob.toString('base64');
  if (entries.some((e) => e.marker === '@revoked' && e.key === key)) return 'revoked';
  const forHost = entries.filter((e) => e.marker === undefined && patternsMatch(e.patterns, name));
  if (forHost.length === 0) return 'unknown';
  return forHost.some((e) => e.key === key) ? 'known' : 'changed';
}

/** The key's type and OpenSSH fingerprint (`ssh-ed25519 SHA256:...`), as `ssh-keygen -l` shows it. */
export function describeHostKey(keyBlob: Buffer): string {
  const typeLength = keyBlob.length >= 4 ? keyBlob.readUInt32BE(0) : 0;
  const type = keyBlob.subarray(4, 4 + typeLength).toString('latin1') || 'key';
  return `${type} SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

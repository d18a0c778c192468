import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { liveRuns } from './ssh-cleanup.js';
import { removeMarksCommand } from './ssh-host-commands.js';

describe('ssh cleanup', () => {
  it('spares the runs whose owner is alive, by their directory listing', () => {
    const listing = 'abc1 box/10\nabc2 box/11\nabc3 -\nBAD box/10\n';
    expect([...liveRuns(listing, (owner) => owner === 'box/10').entries()]).toEqual([['abc1', 'abc1 (pid 10)']]);
  });

  it('passes the spared runs as one argument, each checked as a run id', () => {
    expect(removeMarksCommand('all', 'all', ['abc1', 'abc2']).slice(-3)).toEqual(['all', 'all', 'abc1 abc2']);
    expect(removeMarksCommand('all', 'processes').at(-1)).toBe('');
    expect(() => removeMarksCommand('all', 'all', ['x y'])).toThrow(/run id "x y" is not lowercase letters and digits/);
  });

  it('keeps a spared run, the chain and the cache, and removes the other runs (a dry shell run, no iptables)', () => {
    const [, , script] = removeMarksCommand('all', 'all', ['keep1']);
    // The script's directory loop alone (never this machine's processes or rules), pointed at a scratch prefix.
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    const loop = /\nfor dir in [\s\S]*?\ndone\n/.exec(script as string)?.[0] as string;
    const prefixed = `set -u\nrun=$1 keep=$3\n${loop.replaceAll('/tmp/faultline-ssh-', `${dir}/faultline-ssh-`)}`;
    execFileSync('mkdir', ['-p', `${dir}/faultline-ssh-keep1`, `${dir}/faultline-ssh-gone1`, `${dir}/faultline-ssh-cache`]);
    const out = execFileSync('sh', ['-c', prefixed, 'faultline-cleanup', 'all', 'all', 'keep1']).toString();
    expect(out.trim()).toBe(`directory ${dir}/faultline-ssh-gone1`);
    expect(execFileSync('ls', [dir]).toString().split('\n').filter(Boolean)).toEqual(['faultline-ssh-cache', 'faultline-ssh-keep1']);
    execFileSync('rm', ['-rf', dir]);
  });
});

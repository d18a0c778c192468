// Several commands in one SSH round trip: a fixed script runs argument vectors given as its
// arguments (never pasted into it), each one's output and exit status reported apart. An exec
// channel costs about 100 ms, so a packet fault's dozen tc and iptables commands land at once.

/** One command of a batch; a failure of one that `mayFail` does not stop the batch. */
export interface BatchStep {
  argv: readonly string[];
  mayFail?: boolean;
}

/** What one command of a batch did: its exit status and its output (stdout and stderr together). */
export interface BatchResult {
  argv: readonly string[];
  code: number;
  output: string;
}

const MARK = 'faultline-batch-status';

/**
 * Arguments: for each command, `must` or `may`, its length, its words. Each command runs in a
 * subshell that keeps only its own words (appending them to "$@", then shifting the whole list
 * off), and the batch stops after a failed `must`.
 */
const BATCH = `i=0
while [ $# -gt 1 ]; do
  kind=$1 k=$2
  shift 2
  out=$(
    n=$# j=0
    for word; do j=$((j + 1)); [ "$j" -le "$k" ] && set -- "$@" "$word"; done
    shift "$n"
    "$@" 2>&1
  )
  code=$?
  printf '%s\\n${MARK} %d %d\\n' "$out" "$i" "$code"
  [ "$code" -ne 0 ] && [ "$kind" = must ] && exit 0
  shift "$k"
  i=$((i + 1))
done
exit 0`;

/** The command that runs `steps` in order on a host, to the first failure of one that may not fail. */
export function batchCommand(steps: readonly BatchStep[]): string[] {
  if (steps.length === 0) throw new Error('an empty batch cannot be run; expected at least one command');
  const args = steps.flatMap(({ argv, mayFail }) => {
    if (argv.length === 0) throw new Error('an empty command cannot be run; expected a program and its arguments');
    return [mayFail ? 'may' : 'must', String(argv.length), ...argv];
  });
  return ['sh', '-c', BATCH, 'faultline-batch', ...args];
}

/** The results of the commands a batch ran, from its output; the ones after a stopping failure are absent. */
export function parseBatch(output: string, steps: readonly BatchStep[]): BatchResult[] {
  const results: BatchResult[] = [];
  let rest = output;
  for (;;) {
    const match = new RegExp(`^${MARK} (\\d+) (\\d+)$`, 'm').exec(rest);
    if (!match) break;
    const index = Number(match[1]);
    const step = steps[index];
    if (!step || index !== results.length) throw new Error(`batch output names command ${index} after ${results.length} results of ${steps.length}: ${output.slice(0, 200)}`);
    results.push({ argv: step.argv, code: Number(match[2]), output: rest.slice(0, match.index).replace(/\n$/, '') });
    rest = rest.slice(match.index + match[0].length + 1);
  }
  return results;
}

/** The first command that failed and may not have, as one line; undefined when none did. */
export function batchFailure(results: readonly BatchResult[], steps: readonly BatchStep[], tolerated: (result: BatchResult) => boolean = () => false): string | undefined {
  const failed = results.find((result, i) => result.code !== 0 && (!steps[i]?.mayFail || !tolerated(result)));
  if (failed) return `\`${failed.argv.join(' ')}\` exited ${failed.code}: ${failed.output.trim() || '(no output)'}`;
  if (results.length < steps.length) return `the batch stopped after ${results.length} of ${steps.length} commands`;
  return undefined;
}

// Entry point of the bundled store: `node dist/src/kv/main.js --id n1 ...` or `faultline kv ...`.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { parseParentPid, watchParent } from './parent-watch.js';
import { startKvServer } from './server.js';
import { KvUsageError, parseServerOptions, usage, wantsHelp, type ServerOptions } from './server-options.js';

/**
 * Runs one node until SIGTERM or SIGINT. A bad command line prints one line naming the bad value
 * and exits with code 2; a failure to start (data directory, port) exits with code 1.
 */
export async function runKvServer(argv: string[]): Promise<void> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  let options: ServerOptions;
  let parentPid: number | undefined;
  try {
    options = parseServerOptions(argv);
    parentPid = parseParentPid(process.env.FAULTLINE_PARENT_PID);
  } catch (err) {
    if (!(err instanceof KvUsageError) && !(err instanceof Error && err.message.startsWith('FAULTLINE_PARENT_PID'))) throw err;
    process.stderr.write(`faultline kv: ${(err as Error).message} (see --help)\n`);
    process.exit(2);
  }
  const log = pino({ level: options.logLevel, base: { node: options.id } }, pino.destination({ dest: 1, sync: true }));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'crashed');
    process.exit(1);
  });
  let server;
  try {
    server = await startKvServer(options, log);
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'could not start');
    process.stderr.write(`faultline kv: ${(err as Error).message}\n`);
    process.exit(1);
  }
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      log.info({ signal }, 'stopping');
      void server.stop().then(resolve);
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    if (parentPid !== undefined) {
      const pid = parentPid;
      watchParent(pid, () => {
        log.warn({ parentPid: pid }, `controller process ${pid} is gone; stopping`);
        void server.stop().then(resolve);
      });
    }
  });
}

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  runKvServer(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`faultline kv: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

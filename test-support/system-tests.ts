// Suites that need something npm cannot install (Chromium, a Docker engine). Where it is missing,
// the suite skips with one printed line saying what to install; with FAULTLINE_REQUIRE_SYSTEM_TESTS=1
// (CI) a missing one fails the suite instead, so a run there cannot pass by skipping.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumPath } from './browser-harness.js';

/** The environment variable that turns a missing system need from a skip into a failure. */
export const REQUIRE_SYSTEM_TESTS = 'FAULTLINE_REQUIRE_SYSTEM_TESTS';

/** Something a suite needs from the machine. */
export interface SystemNeed {
  /** Which suites need it, for the skip line: "browser tests". */
  suites: string;
  /** How to get it: "apt-get install chromium". */
  install: string;
  /** Why it is not usable here ("Chromium not found at /usr/bin/chromium"), or undefined when it is. */
  missing(): Promise<string | undefined>;
}

/** Debian's headless Chromium, as browser-harness.ts launches it. */
export const chromium: SystemNeed = {
  suites: 'browser tests',
  install: 'apt-get install chromium, or set FAULTLINE_CHROMIUM to a Chromium binary',
  async missing() {
    const path = chromiumPath();
    return existsSync(path) ? undefined : `Chromium not found at ${path}`;
  },
};

/** A running Docker engine on the socket faultline's docker runtime uses. */
export const dockerEngine: SystemNeed = {
  suites: 'docker tests',
  install: 'apt-get install docker.io, then start dockerd',
  async missing() {
    // Imported here so that suites needing only Chromium never load dockerode.
    const { connectDocker, DOCKER_SOCKET } = await import('../src/runtime/docker-engine.js');
    return connectDocker().then(
      () => undefined,
      (err: unknown) => `no Docker engine answers at ${DOCKER_SOCKET} (${/\(connect ([^)]*)\)/.exec(String(err))?.[1] ?? String(err)})`,
    );
  },
};

/** Debian's nats-server on PATH, for the NATS example (examples/nats/) on the local runtime. */
export const natsServer: SystemNeed = {
  suites: 'NATS example tests on the local runtime',
  install: 'apt-get install nats-server',
  async missing() {
    try {
      execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'nats-server not found on PATH';
    }
  },
};

/** Info-ZIP's `unzip`, a zip reader that shares no code with faultline's writer. */
export const unzip: SystemNeed = {
  suites: 'unzip tests of the zip writer',
  install: 'apt-get install unzip',
  async missing() {
    try {
      execFileSync('unzip', ['-v'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'unzip not found on PATH';
    }
  },
};

/**
 * Whether the suite can run, for `describe.runIf(await systemHas(chromium))`. When the need is
 * missing it prints one line and returns false, or throws when FAULTLINE_REQUIRE_SYSTEM_TESTS=1,
 * which fails the test file.
 */
export async function systemHas(need: SystemNeed): Promise<boolean> {
  const missing = await need.missing();
  if (missing === undefined) return true;
  if (process.env[REQUIRE_SYSTEM_TESTS] === '1') {
    throw new Error(`${REQUIRE_SYSTEM_TESTS}=1 and the ${need.suites} cannot run: ${missing}; install it (${need.install})`);
  }
  console.log(`skipping ${need.suites}: ${missing}; install it (${need.install}) to run them`);
  return false;
}

/** FUSE and a C compiler, for faultfs (disk faults): /dev/fuse, fusermount3, gcc and the fuse3 headers. */
export const fuse: SystemNeed = {
  suites: 'faultfs tests (disk faults)',
  install: 'apt-get install fuse3 libfuse3-dev gcc pkg-config, and run as root where /dev/fuse is',
  async missing() {
    const { faultfsMissing } = await import('../src/runtime/faultfs.js');
    return faultfsMissing();
  },
};

/** Memory cgroups faultline can make (root, a writable cgroup v1 or v2 memory hierarchy), for memory faults on the local runtime. */
export const memoryCgroups: SystemNeed = {
  suites: 'memory fault tests on the local runtime',
  install: 'run as root on a machine with a writable cgroup memory controller under /sys/fs/cgroup',
  async missing() {
    const { findMemoryCgroups } = await import('../src/runtime/memory-cgroup.js');
    const found = findMemoryCgroups();
    return typeof found === 'string' ? found : undefined;
  },
};

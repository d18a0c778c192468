// Node images a definition ships, against a real engine: one from a directory (its own Dockerfile,
// packages.txt and a config file in a subdirectory) and one from a package list are built on the
// faultline base with `--network none`, run a node through the docker runtime, carry faultline's
// labels, and are listed as stale once their definition changes. Needs Docker (npm run test:docker).
// It removes only the images it built, by tag.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDocker, LABELS } from './docker-engine.js';
import { ensureImage, imageHash, imageTag, listImages } from './docker-images.js';
import { DockerRuntime } from './docker.js';
import { nodeImage } from './node-image.js';
import { dockerEngine, systemHas } from '../../test-support/system-tests.js';

const hasDocker = await systemHas(dockerEngine);

const DOCKERFILE = [
  'ARG BASE',
  'FROM ${BASE}',
  'COPY packages.txt /tmp/faultline/',
  'COPY debs/ /tmp/faultline/debs/',
  'RUN install-packages /tmp/faultline/packages.txt /tmp/faultline/debs',
  'COPY conf/nats.conf /etc/fltest/nats.conf',
  '',
].join('\n');

/** The first line a NATS server sends on a new connection: `INFO {...}`, parsed. */
function natsInfo(host: string, port: number): Promise<{ server_name?: string; version?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = /^INFO (\{.*\}) *\r?\n/.exec(text);
      if (line) {
        socket.destroy();
        resolve(JSON.parse(line[1] as string) as { server_name?: string; version?: string });
      }
    });
    socket.on('error', reject);
    socket.setTimeout(2000, () => socket.destroy(new Error(`no INFO line from ${host}:${port} in 2 s; got ${JSON.stringify(text)}`)));
  });
}

async function until<T>(probe: () => Promise<T>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}: ${err instanceof Error ? err.message : String(err)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe.runIf(hasDocker)('node images a definition ships', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-fltest-nats-'));
  mkdirSync(join(dir, 'conf'));
  writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
  writeFileSync(join(dir, 'packages.txt'), '# one small server, no dependencies beyond the base\nnats-server\n');
  writeFileSync(join(dir, 'conf', 'nats.conf'), 'port: 7000\nserver_name: "from-dir"\n');
  const fromDir = nodeImage.fromDir(dir, 'fltest-nats-dir');
  const fromPackages = nodeImage.debian('fltest-nats-debian', ['nats-server']);
  const runDir = mkdtempSync(join(tmpdir(), 'faultline-fltest-run-'));
  const runtime = new DockerRuntime({ nodes: ['n1', 'n2'], runDir, fakeClock: false, log: (line) => process.stderr.write(`${line}\n`) });
  const built: string[] = [];

  afterAll(async () => {
    await runtime.teardown();
    const docker = await connectDocker();
    for (const tag of built) await docker.getImage(tag).remove({ force: false }).catch((err: unknown) => process.stderr.write(`could not remove ${tag}: ${String(err)}\n`));
    rmSync(dir, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
  });

  it('builds both on the faultline base, labelled with their name, hash and source', async () => {
    for (const image of [fromDir, fromPackages]) {
      const tag = await ensureImage(image, { log: (line) => process.stderr.write(`${line}\n`) });
      built.push(tag);
      expect(tag).toBe(imageTag(image));
      const info = await (await connectDocker()).getImage(tag).inspect();
      expect(info.Config.Labels?.[LABELS.image]).toBe(image.name);
      expect(info.Config.Labels?.[LABELS.hash]).toBe(imageHash(image));
      expect(info.Config.Labels?.[LABELS.source]).toBe('dir' in image ? `dir:${dir}` : 'packages:nats-server');
    }
  }, 900_000);

  // The runtime starts every node through the base's faultline-run: a node that answers shows the base is there.
  it('runs a node from each through the docker runtime', async () => {
    await runtime.setup();
    const n1 = runtime.nodeHost('n1');
    const n2 = runtime.nodeHost('n2');
    await runtime.spawn('n1', { command: 'nats-server', args: ['-c', '/etc/fltest/nats.conf', '-a', n1], image: fromDir }, join(runDir, 'nodes', 'n1', 'nats.log'));
    await runtime.spawn('n2', { command: 'nats-server', args: ['-a', n2, '-p', '7000', '-n', 'from-packages'], image: fromPackages }, join(runDir, 'nodes', 'n2', 'nats.log'));
    // The config file from the definition's subdirectory reached the image: the server has its name.
    const one = await until(() => natsInfo(n1, 7000), 'n1 answers');
    expect(one.server_name).toBe('from-dir');
    expect(one.version).toMatch(/^2\./);
    const two = await until(() => natsInfo(n2, 7000), 'n2 answers');
    expect(two.server_name).toBe('from-packages');
    expect(runtime.isRunning('n1')).toBe(true);
    expect(await runtime.kill('n1')).toBe('done');
    expect(runtime.isRunning('n1')).toBe(false);
  }, 120_000);

  it('lists them as current, and the directory one as stale once a file of it changes', async () => {
    const [dirTag, packagesTag] = built;
    const listed = async () => new Map((await listImages()).map((i) => [i.tag, i]));
    let images = await listed();
    expect(images.get(dirTag as string)).toMatchObject({ name: 'fltest-nats-dir', source: `dir:${dir}`, current: true });
    expect(images.get(packagesTag as string)).toMatchObject({ name: 'fltest-nats-debian', source: 'packages:nats-server', current: true });
    appendFileSync(join(dir, 'conf', 'nats.conf'), 'debug: true\n');
    images = await listed();
    expect(images.get(dirTag as string)?.current).toBe(false);
    expect(images.get(packagesTag as string)?.current).toBe(true);
  });
});

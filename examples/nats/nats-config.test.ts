import { describe, expect, it } from 'vitest';
import { natsConfig } from './nats-config.ts';

describe('natsConfig', () => {
  const config = natsConfig({
    node: 'n2',
    client: '127.0.0.1:14222',
    cluster: '127.0.0.1:16222',
    monitor: '127.0.0.1:18222',
    routes: ['127.0.0.1:20001', '127.0.0.1:20003'],
    storeDir: '/tmp/run/n2/data',
  });

  it('names the server, its three listeners and JetStream store', () => {
    expect(config).toContain('server_name: "n2"\nlisten: "127.0.0.1:14222"\nhttp: "127.0.0.1:18222"\n');
    expect(config).toContain('jetstream {\n  store_dir: "/tmp/run/n2/data"\n}');
    expect(config).toContain('  listen: "127.0.0.1:16222"\n');
  });

  it('dials every route given, and tells clients of no other server', () => {
    expect(config).toContain('  routes: [\n    "nats-route://127.0.0.1:20001"\n    "nats-route://127.0.0.1:20003"\n  ]');
    expect(config).toContain('  no_advertise: true');
  });

  it('refuses a value that would break out of its quotes', () => {
    expect(() => natsConfig({ node: 'n1', client: 'a:1', cluster: 'a:2', monitor: 'a:3', routes: [], storeDir: '/tmp/x"y' }))
      .toThrow('nats config value "/tmp/x\\"y" holds a quote, backslash or newline; expected a plain name, address or path');
  });
});

// A node's nats-server configuration file: its client, cluster and monitoring listeners, the routes
// to every other node, and JetStream's store. Pure text, so it is tested without a server.
// Sources: https://docs.nats.io/running-a-nats-service/configuration/clustering/cluster_config and
// https://docs.nats.io/running-a-nats-service/configuration/clustering/jetstream_clustering

/** Where one node listens and which routes it dials. Addresses are host:port. */
export interface NodeConfig {
  /** The server's name; JetStream clustering needs it unique (faultline's node name). */
  node: string;
  /** Where clients connect. */
  client: string;
  /** Where the other servers' routes arrive. */
  cluster: string;
  /** The HTTP monitoring endpoint (/healthz, /varz, /routez, /jsz). */
  monitor: string;
  /** The other nodes' cluster addresses (on the local runtime: the proxies that carry faults). */
  routes: readonly string[];
  /** JetStream's store directory. */
  storeDir: string;
}

/** The config file's text. Every value is quoted: the parser takes an unquoted 127.0.0.1:4222 too, but a path need not be so kind. */
export function natsConfig(c: NodeConfig): string {
  return [
    `server_name: ${quote(c.node)}`,
    `listen: ${quote(c.client)}`,
    `http: ${quote(c.monitor)}`,
    'jetstream {',
    `  store_dir: ${quote(c.storeDir)}`,
    '}',
    'cluster {',
    '  name: faultline',
    `  listen: ${quote(c.cluster)}`,
    // Never tell clients about the other servers: a faultline client talks to its own node only.
    '  no_advertise: true',
    '  routes: [',
    ...c.routes.map((r) => `    ${quote(`nats-route://${r}`)}`),
    '  ]',
    '}',
    '',
  ].join('\n');
}

function quote(value: string): string {
  if (/["\\\n]/.test(value)) throw new Error(`nats config value ${JSON.stringify(value)} holds a quote, backslash or newline; expected a plain name, address or path`);
  return `"${value}"`;
}

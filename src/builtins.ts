// The built-in definitions: the one list of the databases, workloads and faults faultline ships.
// The CLI starts from this registry and adds a user's definitions to it; the core never imports it.
import bundled from './db/bundled.js';
import etcd from './db/etcd.js';
import redis from './db/redis.js';
import zookeeper from './db/zookeeper.js';
import { createRegistry, type Definition, type Registry } from './define/registry.js';
import { builtinFaults } from '../nemesis/index.js';
import bank from '../workloads/bank.js';
import counter from '../workloads/counter.js';
import listAppend from '../workloads/list-append.js';
import register from '../workloads/register.js';
import session from '../workloads/session.js';
import set from '../workloads/set.js';

/** Every built-in definition, in the order --help lists them. */
export const builtinDefinitions: readonly Definition[] = [
  bundled, etcd, redis, zookeeper,
  register, set, counter, bank, listAppend, session,
  ...Object.values(builtinFaults),
];

/** The built-ins as a registry; its module is this file, so a worker thread can rebuild it. */
export const builtins: Registry = createRegistry(builtinDefinitions, [import.meta.url]);

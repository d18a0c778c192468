// Names this project's definitions, so that `--db nats` and `--nemesis leader-stepdown` work as names.
import type { FaultlineConfig } from 'faultline';

export default { dbs: ['./nats.ts'], faults: ['./leader-stepdown.ts'] } satisfies FaultlineConfig;

// `npm run readme:tables`: writes the README's tables of databases, workloads and faults from the
// built-in definitions.
import { join } from 'node:path';
import { builtins } from './builtins.js';
import { packageRoot } from './runtime/package-root.js';
import { writeReadmeTables } from './definition-tables.js';

const readme = join(packageRoot(), 'README.md');
console.log(writeReadmeTables(readme, builtins) ? `rewrote the definition tables in ${readme}` : `${readme}: the definition tables are current`);

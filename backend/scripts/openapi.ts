/**
 * The sidecar's OpenAPI document, built without a database (createApp does no I/O and postgres.js connects
 * lazily), and the plugin's wire types generated from it with openapi-typescript.
 *
 *   tsx backend/scripts/openapi.ts                print the document
 *   tsx backend/scripts/openapi.ts --out <file>   write it (npm run lint:openapi lints that file)
 *   tsx backend/scripts/openapi.ts --types        regenerate src/api/generated/sidecar.ts (npm run generate:api)
 *   tsx backend/scripts/openapi.ts --check        exit 1 when that file is not what the routes generate now
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { Lifecycle } from '../src/lifecycle.js';
import { createNotifier } from '../src/notify/notifier.js';
import { createLogger } from '../src/observability/logger.js';
import { ResilienceRegistry } from '../src/resilience/registry.js';
import { createSql, Database } from '../src/store/db.js';

const TYPES_FILE = fileURLToPath(new URL('../../src/api/generated/sidecar.ts', import.meta.url));
const BANNER =
  COMMENT_HEADER +
  "// Generated from the sidecar's OpenAPI document (backend/src/routes/*) by `npm run generate:api`.\n" +
  '// Import the aliases in src/api/types.ts rather than this file.\n\n';

/** GET /api/openapi.json of an app built from the default configuration, answered in memory. */
async function buildDocument(): Promise<OpenAPI3> {
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const config = loadConfig({});
  const resilience = new ResilienceRegistry();
  // Never connected: nothing the document needs touches the database.
  const sql = createSql({ url: 'postgres://openapi@127.0.0.1:1/none', poolMax: 1, statementTimeoutMs: 1000 });
  const token = 'openapi-document-token';
  const app = createApp({
    db: new Database(sql, config.database, resilience),
    resilience,
    lifecycle: new Lifecycle(),
    adminToken: token,
    maxBodyBytes: config.maxBodyBytes,
    limits: config.limits,
    version,
    logger: createLogger({ level: 'silent' }),
    notifier: createNotifier(config),
  });
  try {
    const res = await app.request('/api/openapi.json', { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET /api/openapi.json answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as OpenAPI3;
  } finally {
    await sql.end({ timeout: 0 });
  }
}

/** The TypeScript openapi-typescript makes of `document`, as committed in src/api/generated/sidecar.ts. */
async function generateTypes(document: OpenAPI3): Promise<string> {
  const ast = await openapiTS(document, { alphabetize: false, exportType: false });
  return BANNER + astToString(ast);
}

async function main(args: string[]): Promise<number> {
  const document = await buildDocument();
  const out = args.indexOf('--out');
  if (args.includes('--types') || args.includes('--check')) {
    const types = await generateTypes(document);
    const shown = relative(process.cwd(), TYPES_FILE);
    if (args.includes('--types')) {
      mkdirSync(dirname(TYPES_FILE), { recursive: true });
      writeFileSync(TYPES_FILE, types);
      console.error(`wrote ${shown}`);
    } else {
      let committed = '';
      try {
        committed = readFileSync(TYPES_FILE, 'utf8');
      } catch {
        // Missing counts as stale.
      }
      if (committed !== types) {
        console.error(`${shown} is stale: the sidecar's routes changed. Run \`npm run generate:api\` and commit it.`);
        return 1;
      }
    }
  }
  if (out >= 0) {
    const file = args[out + 1];
    if (!file) throw new Error('--out needs a file name');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(document, null, 2) + '\n');
  } else if (!args.includes('--types') && !args.includes('--check')) {
    process.stdout.write(JSON.stringify(document, null, 2) + '\n');
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

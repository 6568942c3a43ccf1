/**
 * Studio administration from a shell: API tokens (for the first token and for when the API is out of reach) and
 * the move off Grafana OnCall:
 *
 *   npm run cli -- create <name> <viewer|editor|admin>
 *   npm run cli -- list
 *   npm run cli -- revoke <name|id>
 *   npm run cli -- import oncall --url <OnCall API URL> --token <OnCall API token>
 *
 * (`npm run tokens -w backend -- …` runs the same.) It opens the database the way the sidecar does (DATABASE_URL,
 * or the embedded PostgreSQL in STUDIO_DATA_DIR), so run it with the sidecar's environment. `create` prints only the
 * token on stdout, so scripts can capture it, and `import` its report; everything else goes to stderr. Exit codes:
 * 0 done, 1 refused or failed, 2 usage.
 */
import { userInfo } from 'node:os';
import type { Actor } from './domain/actor.js';
import { AppError } from './domain/errors.js';
import { isRole, ROLES, tokenNameProblem } from './domain/tokens.js';
import { ConfigError, loadConfig } from './config.js';
import { formatReport, importOnCall } from './import/oncall.js';
import { OnCallError, readOnCall, type OnCallExport } from './import/oncallApi.js';
import { openDatabase } from './store/open.js';
import { createApiToken, listApiTokens, revokeApiToken, type ApiTokenRecord } from './store/tokens.js';
import type { Sql } from './store/db.js';

const USAGE = `usage: npm run cli -- <command>
  create <name> <${ROLES.join('|')}>   create a token; prints it once
  list                              every token, revoked ones included
  revoke <name|id>                  refuse the token from now on
  import oncall --url <url> --token <token>
                                    create Grafana OnCall's users, schedules, escalation chains and
                                    integrations here; prints what it did and what it could not map`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UsageError extends Error {}

// The audit trail names who ran the command; the OS user is the best we know from a shell.
const CLI_ACTOR: Actor = { name: `cli:${userInfo().username}`, source: 'system' };

const say = (line: string) => process.stderr.write(`${line}\n`);
const date = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '-');

function table(rows: ApiTokenRecord[]): string {
  const cells = [
    ['ID', 'NAME', 'ROLE', 'CREATED', 'LAST USED', 'REVOKED'],
    ...rows.map((t) => [t.id, t.name, t.role, date(t.createdAt), date(t.lastUsedAt), date(t.revokedAt)]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd()
    )
    .join('\n');
}

async function run(sql: Sql, [command, ...args]: string[], onCall: OnCallExport | undefined): Promise<void> {
  if (command === 'create' && args.length === 2) {
    const [name, role] = args as [string, string];
    const problem = tokenNameProblem(name);
    if (problem) throw new UsageError(`name ${problem}`);
    if (!isRole(role)) throw new UsageError(`role must be one of ${ROLES.join(', ')}`);
    const created = await createApiToken(sql, name, role, CLI_ACTOR);
    process.stdout.write(`${created.token}\n`);
    say(`created ${role} token "${name}" (${created.id}); store it now, it cannot be shown again`);
  } else if (command === 'list' && args.length === 0) {
    const tokens = await listApiTokens(sql);
    if (tokens.length) process.stdout.write(`${table(tokens)}\n`);
    else say('no API tokens yet');
  } else if (command === 'revoke' && args.length === 1) {
    const which = UUID.test(args[0]!) ? { id: args[0]! } : { name: args[0]! };
    const revoked = await revokeApiToken(sql, which, CLI_ACTOR);
    say(`revoked "${revoked.name}" (${revoked.id}) at ${date(revoked.revokedAt)}`);
  } else if (command === 'import' && onCall) {
    process.stdout.write(formatReport(await importOnCall(sql, onCall, CLI_ACTOR)));
  } else {
    throw new UsageError(command ? `cannot run: ${[command, ...args].join(' ')}` : 'no command');
  }
}

/** `--url <url> --token <token>`, either also as `--name=value`. */
function importOptions(args: string[]): { url: string; token: string } {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (flag !== '--url' && flag !== '--token') throw new UsageError(`import oncall does not take ${flag}`);
    const value = inline ?? args[++i];
    if (!value) throw new UsageError(`${flag} needs a value`);
    options.set(flag, value);
  }
  const url = options.get('--url');
  const token = options.get('--token');
  if (!url || !/^https?:$/.test(URL.parse(url)?.protocol ?? '')) {
    throw new UsageError("--url must be the http(s) URL of OnCall's API");
  }
  if (!token) throw new UsageError('--token is required (an OnCall API token)');
  return { url, token };
}

/** An import reads OnCall before the database opens, so a wrong URL or token fails at once, having written nothing. */
async function readBeforeOpening([command, ...args]: string[]): Promise<OnCallExport | undefined> {
  if (command !== 'import' || args[0] !== 'oncall') return undefined;
  return readOnCall(importOptions(args.slice(1)));
}

/** The exit code for a failure the operator can act on (said in one line, or with the usage); others are thrown. */
function failed(err: unknown): number {
  if (err instanceof UsageError) {
    say(`${err.message}\n${USAGE}`);
    return 2;
  }
  if (err instanceof AppError || err instanceof OnCallError || err instanceof ConfigError) {
    say(err.message);
    return 1;
  }
  throw err;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help') {
    say(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  let config;
  let onCall;
  try {
    config = loadConfig();
    onCall = await readBeforeOpening(argv);
  } catch (err) {
    return failed(err);
  }
  const { sql, embedded } = await openDatabase({ ...config, dbPoolMax: 1 }, say);
  try {
    await run(sql, argv, onCall);
    return 0;
  } catch (err) {
    return failed(err);
  } finally {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    say(`cli: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
);

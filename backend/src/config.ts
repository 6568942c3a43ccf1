import { z } from 'zod';

/** Tokens every fresh checkout knows; refused in production. */
export const DEV_ADMIN_TOKEN = 'dev-admin-token-change-me';

const port = z.coerce.number().int().min(0).max(65535);

const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: port.default(9000),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    STUDIO_DATA_DIR: z.string().min(1).default('.data'),
    EMBEDDED_PG_PORT: port.default(54329),
    DB_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    STUDIO_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    STUDIO_DEMO_DATA: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  })
  .transform((env, ctx) => {
    const isProduction = env.NODE_ENV === 'production';
    if (isProduction && (!env.STUDIO_ADMIN_TOKEN || env.STUDIO_ADMIN_TOKEN === DEV_ADMIN_TOKEN)) {
      ctx.addIssue({
        code: 'custom',
        path: ['STUDIO_ADMIN_TOKEN'],
        message: 'must be set to a secret of your own in production',
      });
    }
    return {
      env: env.NODE_ENV,
      port: env.PORT,
      host: env.HOST,
      databaseUrl: env.DATABASE_URL,
      dataDir: env.STUDIO_DATA_DIR,
      embeddedPgPort: env.EMBEDDED_PG_PORT,
      dbPoolMax: env.DB_POOL_MAX,
      dbStatementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
      adminToken: env.STUDIO_ADMIN_TOKEN ?? DEV_ADMIN_TOKEN,
      isDefaultAdminToken: !env.STUDIO_ADMIN_TOKEN || env.STUDIO_ADMIN_TOKEN === DEV_ADMIN_TOKEN,
      demoData: env.STUDIO_DEMO_DATA,
      maxBodyBytes: env.MAX_BODY_BYTES,
    };
  });

export type Config = Readonly<z.output<typeof ConfigSchema>>;

/** Thrown with one line naming every bad variable, so a misconfigured start fails clearly. */
export class ConfigError extends Error {}

/** Parses the environment once; the result is frozen. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}

import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_ADMIN_TOKEN, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has working defaults for a first run', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 9000, env: 'development', adminToken: DEV_ADMIN_TOKEN, isDefaultAdminToken: true });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable in one line', () => {
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', DB_POOL_MAX: '0' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as Error).message;
      expect(message).not.toContain('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'DB_POOL_MAX']) expect(message).toContain(name);
    }
  });

  it('refuses production without an admin token of its own', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/STUDIO_ADMIN_TOKEN/);
    expect(() => loadConfig({ NODE_ENV: 'production', STUDIO_ADMIN_TOKEN: DEV_ADMIN_TOKEN })).toThrow(/STUDIO_ADMIN_TOKEN/);
    expect(loadConfig({ NODE_ENV: 'production', STUDIO_ADMIN_TOKEN: 'a-real-secret-of-32-characters!!' }).isDefaultAdminToken).toBe(false);
  });
});

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
    const key = 'q7Vw0m2vC1yq3vYb7wq9bQ2m3o9cS8kQ1b2c3d4e5f0=';
    expect(loadConfig({ NODE_ENV: 'production', STUDIO_ADMIN_TOKEN: 'a-real-secret-of-32-characters!!', STUDIO_SECRET_KEY: key }).isDefaultAdminToken).toBe(false);
  });

  it('reads STUDIO_SECRET_KEY as 32 bytes (hex or base64), uses a development key when unset, and refuses that in production', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ STUDIO_SECRET_KEY: hex }).secretKey).toEqual(Buffer.from(hex, 'hex'));
    expect(loadConfig({}).isDefaultSecretKey).toBe(true);
    for (const bad of ['short', 'ab'.repeat(31), Buffer.alloc(16).toString('base64')]) {
      expect(() => loadConfig({ STUDIO_SECRET_KEY: bad }), bad).toThrow(/STUDIO_SECRET_KEY/);
    }
    const token = { NODE_ENV: 'production', STUDIO_ADMIN_TOKEN: 'a-real-secret-of-32-characters!!' };
    expect(() => loadConfig(token)).toThrow(/STUDIO_SECRET_KEY/);
    expect(() => loadConfig({ ...token, STUDIO_SECRET_KEY: loadConfig({}).secretKey.toString('base64') })).toThrow(/STUDIO_SECRET_KEY/);
    expect(() => loadConfig({ NOTIFY_LEASE_SECONDS: '5', NOTIFY_SEND_TIMEOUT_MS: '10000' })).toThrow(/NOTIFY_LEASE_SECONDS/);
  });
});

describe('OpenTelemetry variables', () => {
  it('reads OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is and OTEL_RESOURCE_ATTRIBUTES as percent-decoded pairs', () => {
    const { observability } = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example.com/tenant-1/traces',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging, team = sre%2Cplatform ,,owner=a%3Db,note=caf%C3%A9',
    });
    expect(observability).toMatchObject({
      otlpEndpoint: 'http://collector:4318',
      otlpTracesEndpoint: 'https://otlp.example.com/tenant-1/traces',
      serviceName: undefined,
      resourceAttributes: { 'deployment.environment.name': 'staging', team: 'sre,platform', owner: 'a=b', note: 'café' },
    });
  });

  it('takes empty values (compose files) as unset', () => {
    const { observability } = loadConfig({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      OTEL_RESOURCE_ATTRIBUTES: '',
      OTEL_SERVICE_NAME: '',
    });
    expect(observability).toMatchObject({ otlpTracesEndpoint: undefined, serviceName: undefined, resourceAttributes: {} });
  });

  it.each([
    ['OTEL_RESOURCE_ATTRIBUTES', 'team=sre=core'],
    ['OTEL_RESOURCE_ATTRIBUTES', 'team'],
    ['OTEL_RESOURCE_ATTRIBUTES', ' =orphan'],
    ['OTEL_RESOURCE_ATTRIBUTES', 'team=%E0%A4%A'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'collector:4318/v1/traces'],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317'],
  ])('refuses %s=%s in one line naming it', (name, value) => {
    let message = '';
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(new RegExp(`^invalid configuration: ${name}: `));
    expect(message).not.toContain('\n');
  });
});

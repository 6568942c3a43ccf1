import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { PluginType } from '@grafana/data';
import { config, setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import { testIds } from '../testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import AppConfig, { type AppConfigProps } from './AppConfig';
import { page } from './settings';

const ids = testIds.appConfig;
const SETTINGS = '/api/plugins/reliability-studio-app/settings';
const READY = '/api/plugin-proxy/reliability-studio-app/health/ready';
// /health/ready needs no token, so the test also makes an authenticated read.
const AUTHENTICATED = '/api/plugin-proxy/reliability-studio-app/api/services';

function renderConfig(jsonData: Record<string, unknown> = {}, secureJsonFields: Record<string, boolean> = {}) {
  const props = {
    plugin: {
      meta: {
        id: 'reliability-studio-app',
        name: 'Reliability Studio',
        type: PluginType.app,
        enabled: true,
        pinned: true,
        jsonData,
        secureJsonFields,
      },
    },
    query: {},
  } as unknown as AppConfigProps;
  return render(<AppConfig {...props} />);
}

describe('AppConfig', () => {
  let backend: FakeBackendSrv;
  let reload: jest.SpyInstance;

  beforeEach(() => {
    backend = installFakeBackendSrv();
    reload = jest.spyOn(page, 'reload').mockImplementation(() => {});
  });

  afterEach(() => reload.mockRestore());

  describe('datasources for Explore links', () => {
    const prometheus = {
      uid: 'prom-main',
      name: 'Prometheus main',
      type: 'prometheus',
      meta: { id: 'prometheus', info: { logos: { small: '' } } },
    };
    afterEach(() => {
      config.datasources = {};
    });

    test('outside Grafana (no datasources) takes typed uids and saves them in jsonData', async () => {
      backend.on('POST', SETTINGS, reply(200, {}));
      renderConfig({ sidecarUrl: 'http://sidecar:8080', lokiUid: 'loki-old' }, { sidecarToken: true });
      const loki = screen.getByTestId(ids.datasource.loki);
      expect(loki).toHaveAttribute('data-mode', 'text');
      expect(screen.getByLabelText(/^Loki/)).toHaveValue('loki-old');
      fireEvent.change(screen.getByLabelText(/^Prometheus/), { target: { value: ' prom-1 ' } });
      fireEvent.change(screen.getByLabelText(/^Loki/), { target: { value: '' } });
      fireEvent.click(screen.getByTestId(ids.save));
      await waitFor(() => expect(reload).toHaveBeenCalled());
      expect(backend.requestsTo('POST', SETTINGS)[0].data.jsonData).toEqual({
        sidecarUrl: 'http://sidecar:8080',
        prometheusUid: 'prom-1',
      });
    });

    test("in Grafana offers a picker of the type's datasources", () => {
      config.datasources = { 'Prometheus main': prometheus } as unknown as typeof config.datasources;
      setDataSourceSrv({
        getList: () => [prometheus],
        getInstanceSettings: (ref: unknown) => (ref === 'prom-main' ? prometheus : undefined),
      } as unknown as DataSourceSrv);
      renderConfig({ sidecarUrl: 'http://sidecar:8080', prometheusUid: 'prom-main' }, { sidecarToken: true });
      expect(screen.getByTestId(ids.datasource.prometheus)).toHaveAttribute('data-mode', 'picker');
      expect(screen.getByTestId(ids.datasource.prometheus)).toHaveTextContent('Prometheus main');
      // No Tempo datasource in this Grafana: typed in.
      expect(screen.getByTestId(ids.datasource.tempo)).toHaveAttribute('data-mode', 'text');
    });
  });

  describe('saving', () => {
    test('shows the saved URL and that a token is stored, without the token itself', () => {
      renderConfig({ sidecarUrl: 'http://sidecar:8080' }, { sidecarToken: true });
      expect(screen.getByTestId(ids.sidecarUrl)).toHaveValue('http://sidecar:8080');
      expect(screen.getByTestId(ids.sidecarToken)).toHaveValue('configured');
      expect(screen.getByTestId(ids.sidecarToken)).toBeDisabled();
      expect(screen.getByRole('button', { name: /reset/i })).toBeInTheDocument();
    });

    test('saves the URL into jsonData and the token into secureJsonData, then reloads', async () => {
      backend.on('POST', SETTINGS, reply(200, { message: 'Plugin settings updated' }));
      renderConfig({ other: 'kept' });

      fireEvent.change(screen.getByTestId(ids.sidecarUrl), { target: { value: ' http://sidecar:8080/ ' } });
      fireEvent.change(screen.getByTestId(ids.sidecarToken), { target: { value: 's3cret' } });
      fireEvent.click(screen.getByTestId(ids.save));

      await waitFor(() => expect(reload).toHaveBeenCalled());
      expect(backend.requestsTo('POST', SETTINGS)[0].data).toEqual({
        enabled: true,
        pinned: true,
        jsonData: { other: 'kept', sidecarUrl: 'http://sidecar:8080' },
        secureJsonData: { sidecarToken: 's3cret' },
      });
    });

    test('keeps the stored token when it is not changed', async () => {
      backend.on('POST', SETTINGS, reply(200, {}));
      renderConfig({ sidecarUrl: 'http://old:8080' }, { sidecarToken: true });

      fireEvent.change(screen.getByTestId(ids.sidecarUrl), { target: { value: 'https://new:8443' } });
      fireEvent.click(screen.getByTestId(ids.save));

      await waitFor(() => expect(reload).toHaveBeenCalled());
      expect(backend.requestsTo('POST', SETTINGS)[0].data.secureJsonData).toBeUndefined();
    });

    test('reset clears the stored token and asks for a new one', () => {
      renderConfig({ sidecarUrl: 'http://sidecar:8080' }, { sidecarToken: true });
      fireEvent.click(screen.getByRole('button', { name: /reset/i }));

      expect(screen.getByTestId(ids.sidecarToken)).toHaveValue('');
      expect(screen.getByTestId(ids.sidecarToken)).toBeEnabled();
      fireEvent.click(screen.getByTestId(ids.save));
      expect(screen.getByText('Enter the token the sidecar expects.')).toBeInTheDocument();
      expect(backend.requests).toHaveLength(0);
    });

    test.each([
      ['sidecar:8080', /Include the scheme/],
      ['http://', /Not a URL/],
      ['ftp://sidecar', /http:\/\/ or https:\/\//],
      ['http://sidecar:8080/?x=1', /query string/],
    ])('refuses %s as Sidecar URL', (value, message) => {
      renderConfig({}, { sidecarToken: true });
      fireEvent.change(screen.getByTestId(ids.sidecarUrl), { target: { value } });
      fireEvent.click(screen.getByTestId(ids.save));
      expect(screen.getByText(message)).toBeInTheDocument();
      expect(backend.requests).toHaveLength(0);
    });

    test('shows why saving failed', async () => {
      backend.on('POST', SETTINGS, reply(403, { message: 'Permission denied' }));
      renderConfig({ sidecarUrl: 'http://sidecar:8080' }, { sidecarToken: true });
      fireEvent.click(screen.getByTestId(ids.save));

      expect(await screen.findByTestId(ids.saveError)).toHaveTextContent('Permission denied');
      expect(reload).not.toHaveBeenCalled();
    });
  });

  describe('test connection', () => {
    const saved = () => renderConfig({ sidecarUrl: 'http://sidecar:8080' }, { sidecarToken: true });

    const ready = reply(200, { status: 'ready', checks: { database: { status: 'up', latencyMs: 3.6 } } });

    test('reports success with the database latency once the token is accepted', async () => {
      backend.on('GET', READY, ready);
      backend.on('GET', AUTHENTICATED, reply(200, { items: [] }));
      saved();
      fireEvent.click(screen.getByTestId(ids.testConnection));

      const result = await screen.findByTestId(ids.testResult);
      expect(result).toHaveTextContent('Connected to the sidecar');
      expect(result).toHaveTextContent('accepted the token');
      expect(result).toHaveTextContent('Database latency: 4 ms');
      expect(backend.requestsTo('GET', AUTHENTICATED)).toHaveLength(1);
    });

    test.each([
      ['the authenticated read', AUTHENTICATED],
      ['the readiness check', READY],
    ])('says the token was refused when %s answers 401', async (_, url) => {
      backend.on('GET', READY, ready);
      backend.on('GET', url, reply(401, envelope('AUTH_REQUIRED', 'Invalid or missing token', undefined, 'req-401')));
      saved();
      fireEvent.click(screen.getByTestId(ids.testConnection));

      const result = await screen.findByTestId(ids.testResult);
      expect(result).toHaveTextContent('The sidecar refused the token');
      expect(result).toHaveTextContent('Invalid or missing token');
      expect(result).toHaveTextContent('req-401');
    });

    test('says the sidecar cannot be reached on a proxy 502', async () => {
      backend.on('GET', READY, reply(502, { message: 'Bad Gateway' }));
      saved();
      fireEvent.click(screen.getByTestId(ids.testConnection));

      const result = await screen.findByTestId(ids.testResult);
      expect(result).toHaveTextContent('Cannot reach the Reliability Studio sidecar');
      expect(result).toHaveTextContent(/Sidecar URL/);
    });

    test('says the database is down on 503 not_ready', async () => {
      backend.on(
        'GET',
        READY,
        reply(503, {
          status: 'not_ready',
          checks: { database: { status: 'down', latencyMs: 2001, error: 'connection refused' } },
        })
      );
      saved();
      fireEvent.click(screen.getByTestId(ids.testConnection));

      const result = await screen.findByTestId(ids.testResult);
      expect(result).toHaveTextContent('The sidecar is up, but its database is down');
      expect(result).toHaveTextContent('database: down, 2001 ms (connection refused)');
    });

    test('needs a saved URL, and warns that unsaved edits are not tested', () => {
      const { unmount } = renderConfig();
      expect(screen.getByTestId(ids.testConnection)).toBeDisabled();
      expect(screen.getByText('Save a Sidecar URL first.')).toBeInTheDocument();
      unmount();

      saved();
      fireEvent.change(screen.getByTestId(ids.sidecarUrl), { target: { value: 'http://elsewhere:1' } });
      expect(screen.getByTestId(ids.testConnection)).toBeEnabled();
      expect(screen.getByText(/the test uses the saved settings/)).toBeInTheDocument();
    });
  });
});

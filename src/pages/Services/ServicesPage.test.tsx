import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { testIds } from '../../components/testIds';
import { envelope, installFakeBackendSrv, reply, type FakeBackendSrv } from '../../testUtils/fakeBackendSrv';
import { makeService } from '../../testUtils/fixtures';
import { ServicesPage } from './ServicesPage';

const API = '/api/plugin-proxy/reliability-studio-app/api';
const ids = testIds.services;
const form = testIds.serviceForm;

const renderPage = () =>
  render(
    <MemoryRouter>
      <ServicesPage />
    </MemoryRouter>
  );

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

jest.setTimeout(45_000);

describe('ServicesPage', () => {
  let backend: FakeBackendSrv;
  const checkout = makeService('checkout', {
    team: 'payments',
    tier: 1,
    labels: { service: 'checkout', env: 'prod' },
    runbookUrl: 'https://wiki.example.com/checkout',
    queries: { errorRatio: 'sum(rate(errors{ {{selector}} }[{{range}}]))' },
  });

  beforeEach(() => {
    backend = installFakeBackendSrv();
    backend.on(
      'GET',
      `${API}/services`,
      reply(200, { items: [checkout, makeService('search', { team: null, tier: 3, labels: {} })] })
    );
  });

  test('lists the catalog with team, tier, labels and runbook link', async () => {
    renderPage();
    const rows = await screen.findAllByTestId(ids.row);
    expect(rows).toHaveLength(2);
    const first = within(rows[0]);
    expect(rows[0]).toHaveAttribute('data-service-name', 'checkout');
    expect(first.getByText('payments')).toBeInTheDocument();
    expect(first.getByText('Tier 1')).toBeInTheDocument();
    expect(first.getByText('service=checkout')).toBeInTheDocument();
    expect(first.getByText('env=prod')).toBeInTheDocument();
    expect(first.getByRole('link', { name: /runbook/i })).toHaveAttribute('href', 'https://wiki.example.com/checkout');
    expect(within(rows[1]).getByText('No team')).toBeInTheDocument();
  });

  test("adding a service shows the sidecar's validation messages on the fields, then adds it", async () => {
    let attempts = 0;
    backend.on('POST', `${API}/services`, (request) => {
      attempts++;
      if (attempts === 1) {
        return reply(
          400,
          envelope('VALIDATION_FAILED', 'Invalid body', {
            issues: [
              { path: ['name'], message: 'lowercase letters, digits, dot, dash or underscore; at most 63' },
              { path: ['runbookUrl'], message: 'Invalid URL' },
              { path: ['queries', 'traces'], message: 'Too big: expected string to have <=4000 characters' },
            ],
          })
        );
      }
      return reply(201, makeService(request.data.name, request.data));
    });
    renderPage();
    await screen.findAllByTestId(ids.row);
    fireEvent.click(screen.getByTestId(ids.add));
    await screen.findByTestId(form.form);

    type(form.name, 'Payments API');
    type(form.runbookUrl, 'wiki/payments');
    type(form.labels, 'service=payments\nteam=money');
    type(`${form.query} traces`, '{ x }');
    fireEvent.click(screen.getByTestId(form.submit));

    expect(
      await screen.findByText('lowercase letters, digits, dot, dash or underscore; at most 63')
    ).toBeInTheDocument();
    expect(screen.getByText('Invalid URL')).toBeInTheDocument();
    expect(screen.getByText('Too big: expected string to have <=4000 characters')).toBeInTheDocument();
    expect(backend.requestsTo('POST', `${API}/services`)[0].data).toEqual({
      name: 'Payments API',
      tier: 3,
      labels: { service: 'payments', team: 'money' },
      runbookUrl: 'wiki/payments',
      queries: { traces: '{ x }' },
    });

    type(form.name, 'payments-api');
    type(form.runbookUrl, 'https://wiki.example.com/payments');
    fireEvent.click(screen.getByTestId(form.submit));
    expect(await screen.findByTestId(ids.savedNotice)).toHaveTextContent('Added payments-api');
    expect(screen.queryByTestId(form.form)).not.toBeInTheDocument();
    await waitFor(() => expect(backend.requestsTo('GET', `${API}/services`)).toHaveLength(2));
  });

  test('refuses labels that do not parse without asking the sidecar', async () => {
    renderPage();
    await screen.findAllByTestId(ids.row);
    fireEvent.click(screen.getByTestId(ids.add));
    await screen.findByTestId(form.form);
    type(form.name, 'billing');
    type(form.labels, 'service=billing\njust-a-word');
    fireEvent.click(screen.getByTestId(form.submit));
    expect(await screen.findByText('Line 2: write a label as name=value.')).toBeInTheDocument();
    expect(backend.requestsTo('POST', `${API}/services`)).toHaveLength(0);
  });

  test('editing shows the effective queries as placeholders and PATCHes every field', async () => {
    backend.on(
      'GET',
      `${API}/services/checkout`,
      reply(200, {
        ...checkout,
        effectiveQueries: {
          requestRate: 'sum(rate(http_requests_total{service="checkout",env="prod"}[{{range}}]))',
          errorRatio: 'sum(rate(errors{service="checkout",env="prod"}[{{range}}]))',
          latencyP95: 'histogram_quantile(0.95, …)',
          errorLogs: '{service="checkout",env="prod"} |= "error"',
          traces: '{ resource.service.name = "checkout" }',
        },
      })
    );
    backend.on(
      'PATCH',
      `${API}/services/checkout`,
      reply(409, envelope('SERVICE_ALREADY_EXISTS', 'A service named search already exists', { name: 'search' }))
    );
    renderPage();
    const [row] = await screen.findAllByTestId(ids.row);
    fireEvent.click(within(row).getByTestId(ids.edit));
    await screen.findByTestId(form.form);

    expect(screen.getByTestId(form.name)).toHaveValue('checkout');
    expect(screen.getByTestId(form.labels)).toHaveValue('service=checkout\nenv=prod');
    expect(screen.getByTestId(`${form.query} errorRatio`)).toHaveValue('sum(rate(errors{ {{selector}} }[{{range}}]))');
    await waitFor(() =>
      expect(screen.getByTestId(`${form.query} errorLogs`)).toHaveAttribute(
        'placeholder',
        '{service="checkout",env="prod"} |= "error"'
      )
    );

    type(form.name, 'search');
    type(form.team, '');
    type(`${form.query} errorRatio`, '');
    fireEvent.click(screen.getByTestId(form.submit));
    expect(await screen.findByText('A service named search already exists')).toBeInTheDocument();
    expect(backend.requestsTo('PATCH', `${API}/services/checkout`)[0].data).toEqual({
      name: 'search',
      team: null,
      tier: 1,
      description: '',
      labels: { service: 'checkout', env: 'prod' },
      runbookUrl: 'https://wiki.example.com/checkout',
      queries: {},
    });
  });
});

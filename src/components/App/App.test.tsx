import React from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { render, screen } from '@testing-library/react';
import type { AppRootProps } from '@grafana/data';
import { testIds } from '../testIds';
import { installFakeBackendSrv, reply } from '../../testUtils/fakeBackendSrv';
import App from './App';

// The page is a lazy chunk: on a loaded 2-core machine it can take seconds.
const LAZY = { timeout: 10_000 };

function LocationProbe() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname}</div>;
}

// Grafana mounts the app under /a/<plugin id>/*.
function renderApp(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/a/reliability-studio-app/*" element={<App {...({} as AppRootProps)} />} />
      </Routes>
      <LocationProbe />
    </MemoryRouter>
  );
}

describe('App', () => {
  beforeEach(() => {
    installFakeBackendSrv().on(
      'GET',
      '/api/plugin-proxy/reliability-studio-app/api/incidents',
      reply(200, { items: [], nextCursor: null })
    );
  });

  test('lands on the incidents page from the app root', async () => {
    renderApp('/a/reliability-studio-app/');
    expect(await screen.findByTestId(testIds.incidents.container, {}, LAZY)).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/a/reliability-studio-app/incidents');
  }, 20_000);

  test('sends unknown paths to the incidents page', async () => {
    renderApp('/a/reliability-studio-app/nope/deeper');
    expect(await screen.findByTestId(testIds.incidents.container, {}, LAZY)).toBeInTheDocument();
    expect(screen.getByTestId('location')).toHaveTextContent('/a/reliability-studio-app/incidents');
  }, 20_000);
});

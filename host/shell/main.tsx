/**
 * Browser entry: what Grafana's app.ts does before any plugin runs. Sets the @grafana/runtime services, shares
 * the real npm packages with plugins under the names Grafana uses, and renders Grafana's router layout.
 */
import * as emotionCss from '@emotion/css';
import * as ReactAll from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import { Router } from 'react-router-dom'; // v5, aliased to @grafana/ui's copy, as in Grafana
import * as routerCompat from 'react-router-dom-v5-compat';
import { CompatRouter, Navigate, Route, Routes } from 'react-router-dom-v5-compat';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUI from '@grafana/ui';
// Internals Grafana core imports from its workspace copies (aliased in build.ts to the packages' own files).
import { setPluginPage } from '@host/runtime-plugin-page';
import { getI18nInstance, initializeI18n } from '@host/i18n';
import { HostBackendSrv } from './backendSrv';
import { AppRootPage, Chrome, HostPluginPage, PluginConfigPage } from './pages';
import { SoloPanelPage } from './panel';

declare const System: any;
const { config, locationService } = grafanaRuntime;

type Shared = object | (() => Promise<object>);
const lazy =
  (load: () => Promise<object>, extra: object = {}) =>
  () =>
    load().then((m) => ({ ...m, ...extra }));

// sharedDependencies.ts (sharedDependenciesMap), minus Angular-era app/core/* shims, flot, slate, prismjs, kusto.
const shared: Record<string, Shared> = {
  '@emotion/css': emotionCss,
  '@emotion/react': () => import('@emotion/react'),
  '@grafana/data': grafanaData,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/ui': grafanaUI,
  '@grafana/data/unstable': () => import('@grafana/data/unstable'),
  '@grafana/runtime/unstable': () => import('@grafana/runtime/unstable'),
  '@grafana/ui/unstable': () => import('@grafana/ui/unstable'),
  d3: () => import('d3'),
  emotion: emotionCss,
  i18next: async () => ({ default: getI18nInstance(), __useDefault: true }),
  jquery: lazy(() => import('jquery'), { __useDefault: true }),
  lodash: lazy(() => import('lodash'), { __useDefault: true }),
  moment: lazy(() => import('moment'), { __useDefault: true }),
  react: ReactAll,
  'react/jsx-runtime': jsxRuntime,
  'react/jsx-dev-runtime': () => import('react/jsx-dev-runtime'),
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react-dom/server': () => import('react-dom/server'),
  'react-inlinesvg': () => import('react-inlinesvg'),
  'react-redux': () => import('react-redux'),
  'react-router-dom': () => import('react-router-dom'), // v5 in Grafana 12 too
  'react-router': routerCompat, // Grafana exposes react-router-dom-v5-compat (= react-router-dom v6) here
  redux: () => import('redux'),
  rxjs,
  'rxjs/operators': rxjsOperators,
};

// Grafana passes webpack namespace objects (tagged 'Module', live bindings). SystemJS keeps such an object instead of
// copying it, so values set later (setPluginPage, setLocationService...) stay visible to plugins.
function asModule(ns: Record<string, any>): object {
  const m = Object.create(null);
  for (const key of Object.keys(ns)) {
    Object.defineProperty(m, key, { enumerable: true, get: () => ns[key] });
  }
  Object.defineProperty(m, '__esModule', { value: true });
  return Object.defineProperty(m, Symbol.toStringTag, { value: 'Module' });
}

// loader/utils.ts buildImportMap + addPreload: bare names map to "package:<name>"; lazy ones via named register.
function shareDependencies() {
  const imports: Record<string, string> = {};
  for (const [name, dep] of Object.entries(shared)) {
    const id = (imports[name] = `package:${name}`);
    if (typeof dep === 'function') {
      // esbuild's import() of a CommonJS package yields only { default }; webpack's (Grafana's) also has the
      // named exports, which is what plugin code reads (e.g. renderToString from react-dom/server).
      const load = async () => ((m: Record<string, any>) => ({ ...m.default, ...m }))(await dep());
      System.register(id, [], (exp: (m: object) => void) => ({ execute: async () => exp(await load()) }));
    } else {
      System.set(id, asModule(dep as Record<string, any>));
    }
  }
  System.addImportMap({ imports });
}

function HostApp() {
  return (
    <grafanaUI.ThemeContext.Provider value={config.theme2}>
      <Router history={locationService.getHistory()}>
        <grafanaRuntime.LocationServiceProvider service={locationService}>
          <CompatRouter>
            <grafanaUI.GlobalStyles />
            <Chrome>
              <Routes>
                <Route path="/a/:pluginId/*" element={<AppRootPage />} />
                <Route path="/plugins/:pluginId" element={<PluginConfigPage />} />
                <Route path="/d-solo/host/:panelDir" element={<SoloPanelPage />} />
                <Route path="*" element={<Navigate to={config.bootData.navTree[0]?.url ?? '/'} replace />} />
              </Routes>
            </Chrome>
            <grafanaUI.ModalRoot />
          </CompatRouter>
        </grafanaRuntime.LocationServiceProvider>
      </Router>
      <grafanaUI.PortalContainer />
    </grafanaUI.ThemeContext.Provider>
  );
}

async function boot() {
  grafanaRuntime.setBackendSrv(new HostBackendSrv());
  grafanaRuntime.setLocationSrv(locationService);
  grafanaRuntime.setEchoSrv(new grafanaRuntime.FakeEchoSrv());
  grafanaRuntime.setAppEvents(new grafanaData.EventBusSrv());
  setPluginPage(HostPluginPage);
  await initializeI18n({ language: 'en-US', ns: ['grafana'] }, 'en-US');
  shareDependencies();
  ReactDOMClient.createRoot(document.getElementById('reactRoot')!).render(<HostApp />);
}

boot().catch((e) => console.error('[host] boot failed', e));

/** The pages Grafana wraps around an app plugin: app root, plugin config page, PluginPage chrome, left nav. */
import { css } from '@emotion/css';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom-v5-compat';
import {
  AppPlugin,
  PluginContextProvider,
  type AppPluginMeta,
  type GrafanaTheme2,
  type NavModelItem,
} from '@grafana/data';
import { config, getBackendSrv, locationSearchToObject, locationService, type PluginPageProps } from '@grafana/runtime';
import { Alert, ErrorBoundary, ErrorWithStack, LoadingPlaceholder, Tab, TabsBar, useStyles2 } from '@grafana/ui';

declare const System: { import(id: string): Promise<Record<string, any>> };

// features/plugins/pluginSettings.ts caches settings for the page's lifetime, which is why config pages reload.
const settingsCache: Record<string, Promise<AppPluginMeta>> = {};

/** importAppPlugin (features/plugins/importer): SystemJS-import meta.module, then init(meta) and set meta. */
async function importAppPlugin(pluginId: string, requireEnabled: boolean): Promise<AppPlugin> {
  settingsCache[pluginId] ??= getBackendSrv().get(`/api/plugins/${pluginId}/settings`);
  const meta = await settingsCache[pluginId];
  if (requireEnabled && (meta.type !== 'app' || !meta.enabled)) {
    throw new Error(meta.type !== 'app' ? 'Plugin must be an app' : 'Application Not Enabled'); // getAppPluginPageError
  }
  const exports = await System.import(`${config.appSubUrl}/${meta.module}`); // resolveModulePath
  const plugin: AppPlugin = exports.plugin ?? new AppPlugin();
  plugin.init(meta);
  plugin.meta = meta;
  plugin.setComponentsFromLegacyExports(exports);
  return plugin;
}

function usePlugin(pluginId: string, requireEnabled: boolean) {
  const [state, setState] = useState<{ plugin?: AppPlugin; error?: string }>({});
  useEffect(() => {
    importAppPlugin(pluginId, requireEnabled).then(
      (plugin) => setState({ plugin }),
      (e) => setState({ error: e instanceof Error ? e.message : (e?.data?.message ?? String(e)) })
    );
  }, [pluginId, requireEnabled]);
  return state;
}

const PluginError = ({ children }: { children: ReactNode }) => (
  <ErrorBoundary>
    {({ error, errorInfo }) =>
      error ? <ErrorWithStack title="Plugin failed to load" error={error} errorInfo={errorInfo} /> : children
    }
  </ErrorBoundary>
);

/** AppRootPage.tsx: renders plugin.root under /a/:pluginId/*, so the plugin's own <Routes> are relative to it. */
export function AppRootPage() {
  const { pluginId = '' } = useParams();
  const location = useLocation();
  const query = useMemo(() => locationSearchToObject(location.search), [location.search]);
  const { plugin, error } = usePlugin(pluginId, true);
  if (error || !plugin) {
    return error ? <Alert title={error} /> : <LoadingPlaceholder text="Loading..." />;
  }
  // userHasPermissionsToPluginPage: an include's role guards its exact path (Admins see everything).
  const include = plugin.meta.includes?.find((i) => i.path === location.pathname);
  const role = config.bootData.user.orgRole;
  if (include?.role && role !== 'Admin' && role !== include.role && !(role === 'Editor' && include.role === 'Viewer')) {
    return (
      <Alert severity="warning" title="Access denied">
        You do not have permission to see this page.
      </Alert>
    );
  }
  const Root = plugin.root;
  return (
    <PluginContextProvider meta={plugin.meta}>
      <PluginError>
        {Root ? (
          // basename really is the current pathname in Grafana, not /a/<id>
          <Root
            meta={plugin.meta}
            basename={location.pathname}
            onNavChanged={() => {}}
            query={query}
            path={location.pathname}
          />
        ) : (
          'No root app page component found'
        )}
      </PluginError>
    </PluginContextProvider>
  );
}

/** /plugins/:pluginId (PluginDetailsPage): one tab per config page, ?page=<id>, body gets { plugin, query }. */
export function PluginConfigPage() {
  const { pluginId = '' } = useParams();
  const query = locationSearchToObject(useLocation().search);
  const { plugin, error } = usePlugin(pluginId, false);
  if (error || !plugin) {
    return error ? <Alert title={error} /> : <LoadingPlaceholder text="Loading..." />;
  }
  const pages = plugin.configPages ?? [];
  const active = pages.find((p) => p.id === query.page) ?? pages[0];
  return (
    <HostPluginPage pageNav={{ text: plugin.meta.name, img: plugin.meta.info.logos.small }}>
      <TabsBar>
        {pages.map((p) => (
          <Tab
            key={p.id}
            label={p.title}
            icon={p.icon}
            active={p === active}
            onChangeTab={() => locationService.partial({ page: p.id })}
          />
        ))}
      </TabsBar>
      <PluginContextProvider meta={plugin.meta}>
        <div data-testid="host-config-page-body">
          <PluginError>{active && <active.body plugin={plugin} query={query} />}</PluginError>
        </div>
      </PluginContextProvider>
    </HostPluginPage>
  );
}

const navSections = (): NavModelItem[] => config.bootData.navTree;
const isActive = (item: NavModelItem, path: string) => Boolean(item.url && path.startsWith(item.url));

/** What setPluginPage gives plugins: a page header (title from pageNav or the active nav item) over the content. */
export function HostPluginPage({ pageNav, actions, info, subTitle, renderTitle, children }: PluginPageProps) {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  const items = navSections().flatMap((n) => [n, ...(n.children ?? [])]);
  const title = pageNav?.text ?? items.filter((i) => isActive(i, pathname)).pop()?.text ?? '';
  return (
    <div className={s.page}>
      <div className={s.header}>
        {pageNav?.img && <img src={pageNav.img} alt="" className={s.logo} />}
        {renderTitle ? renderTitle(title) : <h1 className={s.title}>{title}</h1>}
        <div className={s.actions}>{actions}</div>
      </div>
      {subTitle && <div className={s.subTitle}>{subTitle}</div>}
      {info?.map((i) => (
        <div key={i.label}>
          {i.label}: {i.value}
        </div>
      ))}
      {children}
    </div>
  );
}

/** AppChrome stand-in: the app's nav section from bootData.navTree (plugin.json includes with addToNav). */
export function Chrome({ children }: { children: ReactNode }) {
  const s = useStyles2(getStyles);
  const { pathname } = useLocation();
  return (
    <div className={s.chrome}>
      <nav className={s.nav} aria-label="Main menu">
        {navSections().map((section) => (
          <div key={section.id}>
            <div className={s.section}>{section.text}</div>
            {section.children?.map((item) => (
              <Link key={item.url} to={item.url ?? '/'} className={isActive(item, pathname) ? s.activeLink : s.link}>
                {item.text}
              </Link>
            ))}
          </div>
        ))}
      </nav>
      <main className={s.main} data-testid="host-main">
        {children}
      </main>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const link = css({ display: 'block', padding: theme.spacing(0.75, 2), color: theme.colors.text.secondary });
  return {
    chrome: css({ display: 'flex', minHeight: '100vh', background: theme.colors.background.canvas }),
    nav: css({
      width: 240,
      flexShrink: 0,
      borderRight: `1px solid ${theme.colors.border.weak}`,
      paddingTop: theme.spacing(2),
    }),
    section: css({ padding: theme.spacing(1, 2), fontWeight: theme.typography.fontWeightMedium }),
    link,
    activeLink: css(link, { color: theme.colors.text.primary, background: theme.colors.action.selected }),
    main: css({ flexGrow: 1, minWidth: 0 }),
    page: css({ padding: theme.spacing(2, 3) }),
    header: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(2), marginBottom: theme.spacing(2) }),
    logo: css({ width: 32, height: 32 }),
    title: css({ margin: 0 }),
    actions: css({ marginLeft: 'auto', display: 'flex', gap: theme.spacing(1) }),
    subTitle: css({ color: theme.colors.text.secondary, marginBottom: theme.spacing(2) }),
  };
};

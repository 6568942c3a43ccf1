/**
 * A dashboard panel stand-in (Grafana's /d-solo/…): /d-solo/host/<dir>?options=<json> imports the app's nested panel
 * plugin from public/plugins/<app id>/panels/<dir>/module.js, as Grafana resolves a nested plugin's module under its
 * parent, and renders plugin.panel with PanelProps and the options given (the panel supplies its own defaults).
 */
import { useEffect, useMemo, useState } from 'react';
import { useLocation, useParams } from 'react-router-dom-v5-compat';
import { EventBusSrv, getDefaultTimeRange, LoadingState, type PanelPlugin, type PanelProps } from '@grafana/data';
import { config } from '@grafana/runtime';
import { Alert, LoadingPlaceholder, PanelChrome } from '@grafana/ui';

declare const System: { import(id: string): Promise<Record<string, any>> };

const WIDTH = 640;
const HEIGHT = 320;

export function SoloPanelPage() {
  const { panelDir = '' } = useParams();
  const search = new URLSearchParams(useLocation().search);
  const optionsJson = search.get('options') ?? '{}';
  const [state, setState] = useState<{ plugin?: PanelPlugin; error?: string }>({});
  const appId = Object.keys(config.bootData.settings.apps ?? {})[0];
  useEffect(() => {
    System.import(`${config.appSubUrl}/public/plugins/${appId}/panels/${panelDir}/module.js`).then(
      (exports) => setState({ plugin: exports.plugin }),
      (e) => setState({ error: e instanceof Error ? e.message : String(e) })
    );
  }, [appId, panelDir]);
  const timeRange = useMemo(() => getDefaultTimeRange(), []);
  const eventBus = useMemo(() => new EventBusSrv(), []);
  if (state.error || !state.plugin?.panel) {
    return state.error ? (
      <Alert title={`Panel failed to load: ${state.error}`} />
    ) : (
      <LoadingPlaceholder text="Loading panel..." />
    );
  }
  const Panel = state.plugin.panel;
  const title = search.get('title') ?? 'Panel';
  return (
    <div data-testid="host-solo-panel" style={{ padding: 16 }}>
      <PanelChrome title={title} width={WIDTH} height={HEIGHT}>
        {(width, height) => {
          const props: PanelProps = {
            ...{
              id: 1,
              title,
              data: { state: LoadingState.Done, series: [], timeRange },
              timeRange,
              timeZone: 'browser',
            },
            ...{ options: JSON.parse(optionsJson), fieldConfig: { defaults: {}, overrides: [] }, transparent: false },
            ...{ width, height, renderCounter: 0, eventBus, replaceVariables: (s: string) => s },
            ...{ onOptionsChange: () => {}, onFieldConfigChange: () => {}, onChangeTimeRange: () => {} },
          };
          return <Panel {...props} />;
        }}
      </PanelChrome>
    </div>
  );
}

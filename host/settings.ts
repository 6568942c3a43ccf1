/** Plugin settings the way Grafana keeps them: provisioned at start, then changed through the settings API. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface PluginSettings {
  enabled: boolean;
  pinned: boolean;
  jsonData: Record<string, unknown> | null;
  /** Plain text here; Grafana encrypts it. Never leaves the server except as route headers/URLs. */
  secureJsonData: Record<string, string>;
}

export interface SettingsUpdate {
  enabled?: boolean;
  pinned?: boolean;
  jsonData?: Record<string, unknown> | null;
  secureJsonData?: Record<string, string>;
}

/**
 * Grafana's UpdatePluginSetting (pkg/services/pluginsintegration/pluginsettings/service): enabled, pinned and
 * jsonData are replaced (a missing field becomes false / null, Go zero values); secureJsonData is merged key by key,
 * so secrets not sent are kept.
 */
export function applyUpdate(current: PluginSettings, update: SettingsUpdate): PluginSettings {
  return {
    enabled: update.enabled === true,
    pinned: update.pinned === true,
    jsonData: update.jsonData ?? null,
    secureJsonData: { ...current.secureJsonData, ...update.secureJsonData },
  };
}

// pkg/services/provisioning/values/values.go: every string, however deeply nested, goes through os.ExpandEnv
// ($VAR, ${VAR}, unset → ""); "$$" is a literal "$". Grafana's $__env{}/$__file{}/$__vault{} expanders are not copied.
function expandEnv(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    const expand = (part: string) =>
      part.replace(/\$(?:\{([^}]*)\}|([*#$@!?0-9-])|([A-Za-z_]\w*))/g, (_m, a, b, c) => env[a ?? b ?? c] ?? '');
    return value.split('$$').map(expand).join('$');
  }
  if (Array.isArray(value)) {
    return value.map((v) => expandEnv(v, env));
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, env)]));
  }
  return value;
}

/**
 * Reads every *.yaml / *.yml in provisioning/plugins like Grafana's plugin provisioner (provisioning/plugins/
 * config_reader.go): an `apps` entry whose `type` is our id gives enabled = !disabled, pinned = true, and its
 * jsonData/secureJsonData go through applyUpdate. Without an entry the app stays disabled (not autoEnabled).
 */
export function loadProvisionedSettings(pluginId: string, dir: string, env = process.env): PluginSettings {
  let settings: PluginSettings = { enabled: false, pinned: false, jsonData: null, secureJsonData: {} };
  const files = safeReaddir(dir).filter((f) => /\.ya?ml$/.test(f));
  for (const file of files.sort()) {
    const doc = expandEnv(parse(readFileSync(join(dir, file), 'utf8')) ?? {}, env) as {
      apps?: Array<Record<string, any>>;
    };
    for (const app of doc.apps ?? []) {
      if (app.type !== pluginId) {
        continue;
      }
      const secrets = Object.entries(app.secureJsonData ?? {}).map(([k, v]) => [k, String(v)]);
      settings = applyUpdate(settings, {
        enabled: !/^(1|t|true)$/i.test(String(app.disabled ?? false)),
        pinned: true,
        jsonData: app.jsonData ?? null,
        secureJsonData: Object.fromEntries(secrets),
      });
    }
  }
  return settings;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Bundles host/shell (the real react, @grafana/* packages...) with esbuild into a content-addressed folder under
 * node_modules/.cache, reused until the shell sources or package-lock.json change. The cache sits in node_modules,
 * not host/.cache, because `eslint .` would otherwise lint megabytes of bundle (node_modules is ignored by it).
 */
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const ROOT = join(__dirname, '..');
const SHELL = join(__dirname, 'shell');

export async function buildShell(cacheDir = join(ROOT, 'node_modules/.cache/reliability-host')) {
  const started = Date.now();
  const hash = createHash('sha256');
  for (const file of [...readdirSync(SHELL).map((f) => join(SHELL, f)), join(ROOT, 'package-lock.json'), __filename]) {
    hash.update(file).update(existsSync(file) ? readFileSync(file) : '');
  }
  const outdir = join(cacheDir, `shell-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(outdir, 'main.js'))) {
    return { outdir, ms: Date.now() - started, cached: true };
  }
  // Grafana's own react-router-dom v5 and v5-compat, which @grafana/ui depends on (nested under it by npm).
  const fromUI = createRequire(require.resolve('@grafana/ui'));
  const pkgDir = (name: string) => dirname(fromUI.resolve(`${name}/package.json`));
  await build({
    entryPoints: [join(SHELL, 'main.tsx')],
    outdir,
    bundle: true,
    splitting: true, // lazily shared packages (d3, lodash, moment...) become chunks, as in Grafana
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minifyWhitespace: true,
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file' }, // monaco's codicon font, via @grafana/ui
    publicPath: '/host/shell/',
    alias: {
      'react-router-dom': pkgDir('react-router-dom'),
      'react-router-dom-v5-compat': pkgDir('react-router-dom-v5-compat'),
      '@host/runtime-plugin-page': join(ROOT, 'node_modules/@grafana/runtime/dist/esm/components/PluginPage.mjs'),
      '@host/i18n': join(ROOT, 'node_modules/@grafana/i18n/dist/esm/i18n.mjs'),
    },
    define: {
      'process.env.NODE_ENV': '"production"', // Grafana ships React's production build
      define: 'undefined', // UMD wrappers (lodash, moment...) must not see SystemJS's AMD define
      global: 'globalThis',
    },
    logLevel: 'warning',
  });
  for (const old of readdirSync(cacheDir)) {
    if (join(cacheDir, old) !== outdir) {
      rmSync(join(cacheDir, old), { recursive: true, force: true });
    }
  }
  return { outdir, ms: Date.now() - started, cached: false };
}

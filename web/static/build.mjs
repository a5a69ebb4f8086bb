// Build the modeller and viewer bundles into web/static/build/ (run by `make`).
// The bpmnlint configuration is compiled from .bpmnlintrc first, so the rules it names
// are bundled with the modeller. Our own plugin (web/static/src/bpmnlint-plugin-safeguard:
// the server's Check findings as the one lint rule) is resolved from the source tree.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

import compileConfig from 'bpmnlint/lib/support/compile-config.js';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const out = path.join(here, 'build');

await mkdir(out, { recursive: true });
const lintrc = JSON.parse(await readFile(path.join(root, '.bpmnlintrc'), 'utf8'));
await writeFile(path.join(out, 'bpmnlint-config.js'), await compileConfig(lintrc));

const PLUGIN = 'bpmnlint-plugin-safeguard';
const safeguardPlugin = {
  name: PLUGIN,
  setup(build) {
    build.onResolve({ filter: new RegExp(`^${PLUGIN}(/|$)`) }, (args) => {
      const rest = args.path.slice(PLUGIN.length).replace(/^\//, '') || 'index';
      return { path: path.join(here, 'src', PLUGIN, `${rest}.js`) };
    });
  }
};

await esbuild.build({
  plugins: [safeguardPlugin],
  entryPoints: {
    modeller: path.join(here, 'src', 'modeller.js'),
    viewer: path.join(here, 'src', 'viewer.js'),
    dmn: path.join(here, 'src', 'dmn.js'),
    migrate: path.join(here, 'src', 'migrate.js'),
    // issue 13: the managers' dashboard charts (Chart.js)
    dashboard: path.join(here, 'src', 'dashboard.js')
  },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outdir: out,
  loader: { '.eot': 'file', '.svg': 'file', '.woff': 'file', '.woff2': 'file', '.ttf': 'file' },
  logLevel: 'warning'
});
console.log(`built modeller, viewer and dmn bundles in ${path.relative(root, out)}/`);

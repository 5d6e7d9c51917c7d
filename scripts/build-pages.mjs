// Bundles the page code (TypeScript ES modules under src/web/pages) into one script and one stylesheet per page in
// dist/web/static, where routes/static.ts serves them: one per folder with a main.ts (activity.js/.css, sessions.js/.css,
// feedback.js/.css, dashboard.js/.css, health-strip.js/.css for the strip atop every admin page, and so on).
// The type check is `tsc -p tsconfig.pages.json` (run first by `npm run build`); esbuild only strips the types.
// The pages import the API's response types from the server modules as types only: a build that would bundle any
// server code (a value import by mistake) fails here, as does one that pulls in anything but the charting library.
import { build } from 'esbuild'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const OUT = 'dist/web/static'
/** Every folder under src/web/pages with a main.ts is a page bundle named after the folder. */
const PAGES = readdirSync('src/web/pages').filter((d) => existsSync(`src/web/pages/${d}/main.ts`)).sort()
/** What a page bundle may contain: page code, and uPlot (the timeline chart). */
const ALLOWED = [/^src\/web\/pages\//, /^node_modules\/uplot\/dist\//]

const uplot = JSON.parse(readFileSync('node_modules/uplot/package.json', 'utf8'))

const result = await build({
  entryPoints: Object.fromEntries(PAGES.map((p) => [p, `src/web/pages/${p}/main.ts`])),
  outdir: OUT,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // What Debian's Chromium and current Firefox / Safari run; nothing needs down-levelling.
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'none',
  banner: {
    js: `/*! Agnes page code. Includes uPlot ${uplot.version} (c) Leon Sorokin, MIT License: /static/uplot-LICENSE.txt */`,
    css: `/*! Agnes page styles. Includes uPlot ${uplot.version} styles (c) Leon Sorokin, MIT License: /static/uplot-LICENSE.txt */`,
  },
  metafile: true,
  logLevel: 'warning',
})

const strays = Object.keys(result.metafile.inputs).filter((f) => !ALLOWED.some((re) => re.test(f)))
if (strays.length) {
  console.error(`build-pages: the page bundles must hold only page code and uPlot, but they include:\n  ${strays.join('\n  ')}\n` +
    'import server modules with `import type` only.')
  process.exit(1)
}

const sizes = Object.keys(result.metafile.outputs)
  .filter((f) => !f.endsWith('.map'))
  .map((f) => `${relative(OUT, f)} ${(statSync(f).size / 1024).toFixed(1)} KB`)
console.log(`build-pages: ${sizes.join(', ')} in ${join(OUT)}`)

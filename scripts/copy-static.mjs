// Starts dist/web/static afresh with the files served as they are (src/web/assets: the favicon) and uPlot's licence,
// which the bundled activity page names; scripts/build-pages.mjs then writes the page bundles beside them.
import { copyFileSync, cpSync, mkdirSync, rmSync } from 'node:fs'

rmSync('dist/web/static', { recursive: true, force: true })
mkdirSync('dist/web/static', { recursive: true })
cpSync('src/web/assets', 'dist/web/static', { recursive: true })
copyFileSync('node_modules/uplot/LICENSE', 'dist/web/static/uplot-LICENSE.txt')

// tsc compiles only .ts: copy the page scripts and styles (src/web/static) next to the compiled routes.
import { cpSync, rmSync } from 'node:fs'

rmSync('dist/web/static', { recursive: true, force: true })
cpSync('src/web/static', 'dist/web/static', { recursive: true })

// `npm test`'s pretest: the build (which the tests run: bin/agnes → dist) and the type check of the tests, at once.
// Each is one mostly single-threaded tsc, so on two cores together they take about as long as the longer one alone.
// Fails, with both outputs shown, when either fails.
import { spawn } from 'node:child_process'

const run = (script) =>
  new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    child.on('close', (code) => resolve({ script, code, out }))
  })

const results = await Promise.all([run('build'), run('typecheck')])
for (const r of results) {
  if (r.out.trim()) process.stdout.write(`--- npm run ${r.script}\n${r.out}`)
  if (r.code !== 0) console.error(`npm run ${r.script} failed (exit ${r.code})`)
}
process.exit(results.some((r) => r.code !== 0) ? 1 : 0)

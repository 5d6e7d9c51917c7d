// A node:test reporter that sums the time of each test file's top-level tests and prints the files slowest first
// (used by scripts/run-tests.mjs when AGNES_TEST_FILE_TIMES names a file): where the suite's 5 minutes go.
export default async function* fileTimes(source) {
  const byFile = new Map()
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0 && event.data.file) {
      byFile.set(event.data.file, (byFile.get(event.data.file) ?? 0) + (event.data.details?.duration_ms ?? 0))
    }
  }
  const rows = [...byFile].sort((a, b) => b[1] - a[1])
  const total = rows.reduce((s, [, ms]) => s + ms, 0)
  yield `${(total / 1000).toFixed(0)} s in ${rows.length} files (the sum; files run two at a time)\n`
  for (const [file, ms] of rows) yield `${(ms / 1000).toFixed(1).padStart(7)} s  ${file.replace(process.cwd() + '/', '')}\n`
}

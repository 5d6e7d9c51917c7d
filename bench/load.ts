import http from 'node:http'

/**
 * A bounded load generator for benchmarks against 127.0.0.1: `total` requests with `concurrency` in flight
 * over keep-alive connections. Returns requests per second and latency percentiles.
 */
export async function load(opts: { url: string; path: string; headers?: Record<string, string>; total: number; concurrency: number }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency })
  const u = new URL(opts.url)
  const latencies: number[] = []
  let sent = 0
  let failed = 0
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint()
      const req = http.request({ host: u.hostname, port: u.port, path: opts.path, method: 'GET', headers: opts.headers, agent }, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode !== 200) failed++
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
          resolve()
        })
      })
      req.on('error', () => {
        failed++
        resolve()
      })
      req.end()
    })
  const start = process.hrtime.bigint()
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (sent < opts.total) {
        sent++
        await one()
      }
    }),
  )
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]
  return { rps: opts.total / seconds, p50: pct(50), p95: pct(95), failed }
}

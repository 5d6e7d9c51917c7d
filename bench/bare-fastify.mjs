// The yardstick of `npm run bench -- request-overhead`: Fastify with one route answering {"ok": true}, in its own
// process like the Agnes server it is compared with. Listens on the port given as the first argument.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/ok', async () => ({ ok: true }))
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))

import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { VERSION } from '../../version.ts'

export const healthRoutes = [
  defineRoute({
    method: 'GET', url: '/api/health', auth: 'public', action: null, tag: 'system',
    summary: 'Liveness and readiness: 200 once the store is open and migrated.',
    query: z.object({}).passthrough(),
    handler: async ({ svc }) => ({ status: 'ok', schema_version: await svc.store.schemaVersion(), version: VERSION }),
  }),
]

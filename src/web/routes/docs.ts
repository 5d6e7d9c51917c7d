import { z } from 'zod'
import { defineRoute, type RouteSpec } from '../route.ts'
import { VERSION } from '../../version.ts'

function toJsonSchema(schema: z.ZodType | undefined): Record<string, unknown> | undefined {
  if (!schema) return undefined
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  } catch {
    return { description: 'see the route summary' }
  }
}

/** Builds the OpenAPI description from the same route specs that validate requests, so the two cannot drift. */
export function openApiFor(specs: RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const s of specs) {
    if (s.kind === 'page') continue
    const path = s.url.replace(/:([A-Za-z_]+)/g, '{$1}')
    const params = [...s.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
    const q = toJsonSchema(s.query) as { properties?: Record<string, unknown>; required?: string[] } | undefined
    for (const [name, schema] of Object.entries(q?.properties ?? {})) {
      params.push({ name, in: 'query', required: Boolean(q?.required?.includes(name)), schema: schema as never })
    }
    paths[path] ??= {}
    paths[path][s.method.toLowerCase()] = {
      summary: s.summary,
      tags: [s.tag],
      security: s.auth === 'public' ? [] : [{ bearer: [] }, { cookie: [] }],
      'x-agnes-auth': s.auth,
      'x-agnes-audit-action': s.action ?? s.selfAudit ?? null,
      ...(s.unauditedBecause ? { 'x-agnes-unaudited-because': s.unauditedBecause } : {}),
      parameters: params,
      ...(s.body && !s.rawBody ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(s.body) } } } } : {}),
      responses: {
        [String(s.status ?? 200)]: { description: 'success' },
        '4XX': { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Agnes', version: VERSION, description: 'Every endpoint that reads or changes data writes an audit row (x-agnes-audit-action).' },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, cookie: { type: 'apiKey', in: 'cookie', name: 'agnes_session' } },
      schemas: {
        Error: {
          type: 'object',
          properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, required: ['code', 'message'] } },
        },
      },
    },
  }
}

export function docsRoutes(all: () => RouteSpec[]) {
  return [
    defineRoute({
      method: 'GET', url: '/api/docs', auth: 'public', action: null, tag: 'system',
      summary: 'This OpenAPI description.',
      query: z.object({}).passthrough(),
      handler: async () => openApiFor(all()),
    }),
  ]
}

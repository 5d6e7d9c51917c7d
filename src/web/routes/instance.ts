import { z } from 'zod'
import { defineRoute } from '../route.ts'
import { noQuery } from './schemas.ts'
import { configView, getTemplate, instanceSettingsSchema, listTemplates, setTemplate, TEMPLATES_HELP, updateInstanceConfig } from '../../platform/instance/index.ts'

const templateName = z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9_.-]{0,99}$/, 'names are lower-case words joined by _ . or -') })

export const instanceRoutes = [
  defineRoute({
    method: 'GET', url: '/api/admin/config', auth: 'admin', action: 'instance_config.read', tag: 'instance',
    summary: 'Instance-wide settings: {"config": the values set, "settings": [{key, description, type, minimum, maximum, …}] every setting with its help text}.',
    query: noQuery,
    handler: async ({ svc }) => configView(svc),
  }),
  defineRoute({
    method: 'PATCH', url: '/api/admin/config', auth: 'admin', action: 'instance_config.update', tag: 'instance',
    summary: 'Change settings (each is described by GET /api/admin/config and in this request body\'s schema); null restores a default. Previous values are audited.',
    query: noQuery,
    body: instanceSettingsSchema,
    handler: async ({ svc, note, actor, body }) => ({ config: await updateInstanceConfig(svc, note, actor, body) }),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/templates', auth: 'admin', action: 'instance_template.list', tag: 'instance',
    summary: `Every template with its content. ${TEMPLATES_HELP}`,
    query: noQuery,
    handler: async ({ svc }) => ({ rows: await listTemplates(svc), next_cursor: null }),
  }),
  defineRoute({
    method: 'GET', url: '/api/admin/templates/:name', auth: 'admin', action: 'instance_template.read', tag: 'instance',
    summary: 'One template.',
    params: templateName, query: noQuery,
    handler: async ({ svc, note, params }) => {
      note.resource = `instance_template:${params.name}`
      return getTemplate(svc, params.name)
    },
  }),
  defineRoute({
    method: 'PUT', url: '/api/admin/templates/:name', auth: 'admin', action: 'instance_template.set', tag: 'instance',
    summary: 'Create or replace a template: {"content"}.',
    params: templateName, query: noQuery, body: z.strictObject({ content: z.string().max(200_000) }),
    handler: async ({ svc, note, actor, params, body }) => setTemplate(svc, note, actor, params.name, body.content),
  }),
]

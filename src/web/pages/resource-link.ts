// Where an audited resource (`kind:id`, as the audit rows name it) is managed: the admin page that shows that one
// record. The Activity Center's drawer and Changes tab link each event's resource here, so this is the one list of
// the pages' deep-link parameters; each page reads its own parameter and opens that record.
//   user:<id>                 /admin/users?user=<id>
//   token:<id>                /admin/users?token=<id>       (the user who holds the token, that token marked)
//   user_group:<id>           /admin/access?group=<id>
//   table:<id>                /admin/registry?table=<id>
//   script:<id>               /admin/registry?script=<id>
//   instance_config           /admin/server-config
//   instance_config:<key>     /admin/server-config?key=<key>
//   instance_template:<name>  /admin/server-config?template=<name>
//   session:<user>/<file>     /admin/sessions/<user>/<file>
//   feedback:<id>             /admin/feedback?id=<id>
const BY_KIND: Partial<Record<string, (id: string) => string>> = {
  user: (id) => `/admin/users?user=${encodeURIComponent(id)}`,
  token: (id) => `/admin/users?token=${encodeURIComponent(id)}`,
  user_group: (id) => `/admin/access?group=${encodeURIComponent(id)}`,
  table: (id) => `/admin/registry?table=${encodeURIComponent(id)}`,
  script: (id) => `/admin/registry?script=${encodeURIComponent(id)}`,
  instance_config: (id) => `/admin/server-config?key=${encodeURIComponent(id)}`,
  instance_template: (id) => `/admin/server-config?template=${encodeURIComponent(id)}`,
  feedback: (id) => `/admin/feedback?id=${encodeURIComponent(id)}`,
  session: (id) => {
    const slash = id.indexOf('/')
    return slash > 0 ? `/admin/sessions/${encodeURIComponent(id.slice(0, slash))}/${encodeURIComponent(id.slice(slash + 1))}` : ''
  },
}

/** The page managing `resource`, or null when it names no one record (or a kind no page manages). */
export function resourceLink(resource: string | null | undefined): string | null {
  if (!resource) return null
  if (resource === 'instance_config') return '/admin/server-config'
  const colon = resource.indexOf(':')
  if (colon <= 0) return null
  const to = BY_KIND[resource.slice(0, colon)]
  const id = resource.slice(colon + 1)
  return to && id && !/[*,]/.test(id) ? to(id) || null : null
}

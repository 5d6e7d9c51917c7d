/** HTML escaping for server-rendered pages: every interpolated value is text unless wrapped in raw(). */
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export class Raw {
  constructor(readonly value: string) {}
  toString() {
    return this.value
  }
}

export const raw = (s: string) => new Raw(s)

export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c])
}

function render(v: unknown): string {
  if (v instanceof Raw) return v.value
  if (Array.isArray(v)) return v.map(render).join('')
  if (v === null || v === undefined || v === false) return ''
  return escapeHtml(v)
}

/** Tagged template: html`<p>${userText}</p>` escapes userText; nested html`` results pass through. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Raw {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]
  return new Raw(out)
}

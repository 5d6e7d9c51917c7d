// The sessions heatmap: finding type × ISO week as an SVG grid, with a colour legend. A cell with findings lists them.
import { el, fmtInt, plural, svg } from '../dom.ts'
import type { Heatmap } from '../api.ts'
import { typeLabel } from './common.ts'

export function fmtWeek(iso: string, withYear: boolean): string {
  const d = new Date(`${iso}T00:00:00Z`)
  if (Number.isNaN(d.getTime())) return String(iso)
  return d.toLocaleDateString('en', { month: 'short', day: 'numeric', timeZone: 'UTC', ...(withYear ? { year: 'numeric' } : {}) })
}

export function addDays(isoDay: string, n: number): string {
  const d = new Date(`${isoDay}T00:00:00Z`)
  return new Date(d.getTime() + n * 86400000).toISOString().slice(0, 10)
}

/** 0..1 → a colour from pale amber to deep red; 0 itself is a neutral grey. */
function heatColour(v: number): string {
  if (!(v > 0)) return '#f1f3f7'
  const a = [254, 236, 205]
  const b = [178, 34, 34]
  const t = 0.15 + 0.85 * Math.sqrt(Math.min(1, v))
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * t))
  return `rgb(${c[0]},${c[1]},${c[2]})`
}

/** Draws the heatmap into `box`, sized to its width; `open(type, week)` is called for a cell with findings. */
export function drawHeatmap(box: HTMLElement, h: Heatmap, open: (type: string, week: string) => void): void {
  const { weeks, types, cells } = h
  let max = 0
  for (const row of cells) for (const n of row) max = Math.max(max, Number(n) || 0)
  // Narrow screens: shorter labels' column and narrower cells, so the default 12 weeks fit a phone.
  const narrow = (box.clientWidth || 900) < 560
  const labelW = narrow ? 124 : 140
  const totalW = narrow ? 44 : 56
  const avail = Math.max(narrow ? 150 : 320, (box.clientWidth || 900) - labelW - totalW - 8)
  const cw = Math.max(narrow ? 12 : 18, Math.min(84, Math.floor(avail / Math.max(1, weeks.length))))
  const ch = 30
  const gap = 3
  const top = 8
  const gridW = weeks.length * cw
  const gridH = types.length * ch
  const axisH = 34
  const width = labelW + gridW + totalW
  const height = top + gridH + axisH
  const root = svg('svg', { class: 'sx-heat-svg', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Findings per type and week, the last ${weeks.length} weeks` })
  // Y axis: the finding types, and each row's total at the right.
  types.forEach((t, ti) => {
    const y = top + ti * ch + ch / 2
    root.append(svg('text', { x: labelW - 10, y, class: 'sx-axis sx-axis-y', 'text-anchor': 'end', 'dominant-baseline': 'central' }, typeLabel(t)))
    const total = (cells[ti] ?? []).reduce((s, n) => s + (Number(n) || 0), 0)
    root.append(svg('text', { x: labelW + gridW + 10, y, class: 'sx-axis sx-total', 'dominant-baseline': 'central' }, `Σ ${fmtInt(total)}`))
  })
  // X axis: the week starts; labels thinned out when the columns are narrow.
  const every = cw >= 44 ? 1 : cw >= 26 ? 2 : 4
  let yearShown = ''
  weeks.forEach((w, wi) => {
    const last = wi === weeks.length - 1
    if (wi % every !== 0 && !last) return
    // "this week" is right-aligned under the last column: no label close enough to run into it.
    if (!last && (weeks.length - 1 - wi) * cw < 64) return
    // The year under the first label of each year shown.
    const first = w.slice(0, 4) !== yearShown
    yearShown = w.slice(0, 4)
    root.append(svg('text', { x: labelW + wi * cw + (cw - gap) / 2, y: top + gridH + 14, class: `sx-axis sx-axis-x${last ? ' now' : ''}`, 'text-anchor': last ? 'end' : 'middle' }, last ? 'this week' : fmtWeek(w, false)))
    if (first && !last) root.append(svg('text', { x: labelW + wi * cw + (cw - gap) / 2, y: top + gridH + 28, class: 'sx-axis sx-axis-year', 'text-anchor': 'middle' }, w.slice(0, 4)))
  })
  // The cells.
  types.forEach((t, ti) => {
    weeks.forEach((w, wi) => {
      const n = Number((cells[ti] ?? [])[wi]) || 0
      const x = labelW + wi * cw
      const y = top + ti * ch
      const label = `${typeLabel(t)}, week of ${fmtWeek(w, true)} (UTC): ${plural(n, 'finding')}`
      const g = svg('g', {
        class: `sx-cell${n ? ' has' : ''}`, 'data-type': t, 'data-week': w, 'data-count': String(n),
        role: n ? 'button' : null, tabindex: n ? '0' : null, 'aria-label': label,
      },
      svg('title', null, n ? `${label} · click to list these sessions` : label),
      svg('rect', { x, y, width: cw - gap, height: ch - gap, rx: 3, fill: heatColour(max ? n / max : 0) }))
      if (n && cw >= 22) {
        g.append(svg('text', { x: x + (cw - gap) / 2, y: y + (ch - gap) / 2, class: `sx-cell-n${n / max > 0.45 ? ' light' : ''}`, 'text-anchor': 'middle', 'dominant-baseline': 'central' }, fmtInt(n)))
      }
      if (n) {
        g.addEventListener('click', () => open(t, w))
        g.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault()
            open(t, w)
          }
        })
      }
      root.append(g)
    })
  })
  // Legend: the colour scale from none to the busiest cell.
  const steps = max <= 1 ? [0, 1] : max <= 4 ? Array.from({ length: max + 1 }, (_, i) => i) : [0, 1, Math.round(max * 0.25), Math.round(max * 0.5), Math.round(max * 0.75), max]
  const uniq = [...new Set(steps)]
  const legend = el('div', { class: 'sx-legend', 'aria-label': 'Colour scale' },
    el('span', { class: 'muted' }, 'Findings per cell:'),
    uniq.map((n) => el('span', { class: 'sx-legend-item' }, el('i', { class: 'sx-legend-swatch', style: `background:${heatColour(max ? n / max : 0)}` }), fmtInt(n))),
    max === 0 ? el('span', { class: 'muted' }, `· no findings in the last ${weeks.length} weeks`) : null)
  box.replaceChildren(el('div', { class: 'sx-heat-scroll' }, root), legend)
}

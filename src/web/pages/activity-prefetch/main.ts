// Runs in the Activity Center's head, before the page is parsed and its bundle (activity.js) runs: asks for the
// timeline's first page at once, with the filters the URL holds, so the rows are on their way while the browser is
// still busy with the page. The bundle's first request for the same URL takes this answer (../prefetch.ts).
import { readFilters } from '../dom.ts'
import { apiPath, FILTER_KEYS, TIMELINE_PAGE } from '../activity/page.ts'
import { prefetch } from '../prefetch.ts'

const sp = new URLSearchParams(location.search)
const tab = sp.get('tab')
// Another tab open: the timeline loads only when someone switches to it.
if (!tab || tab === 'timeline') prefetch(apiPath(readFilters(sp, FILTER_KEYS), 'timeline', { limit: TIMELINE_PAGE }))

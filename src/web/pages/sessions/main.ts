// Entry of the sessions pages' bundle (dist/web/static/sessions.js): the list or one transcript's replay.
import { onReady } from '../dom.ts'
import { startClock } from '../time.ts'
import { listPage } from './list.ts'
import { replayPage } from './replay-page.ts'
import '../page.css'
import '../transcript/replay.css'
import './sessions.css'

onReady(() => {
  startClock()
  if (document.getElementById('sessions')) return listPage()
  const replay = document.getElementById('replay')
  if (replay) replayPage(replay)
})

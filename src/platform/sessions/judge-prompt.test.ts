import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildJudgePrompt, MAX_FINDINGS_PER_CALL, parseJudgeAnswer } from './judge-prompt.ts'

/** What the judge asks (the excerpt around each finding, numbered findings) and how it reads an answer, whatever the model wrote. */

function bashTranscript(n: number): string {
  const lines: string[] = []
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ type: 'user', message: { role: 'user', content: `prompt ${i}` }, uuid: `u${i}` }))
    lines.push(JSON.stringify({ type: 'assistant', uuid: `a${i}`, message: { id: `m${i}`, role: 'assistant', content: [{ type: 'tool_use', id: `t${i}`, name: 'Bash', input: { command: `cmd ${i}` } }] } }))
    lines.push(JSON.stringify({ type: 'user', uuid: `r${i}`, message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t${i}`, content: `output ${i}`, is_error: i === 10 }] } }))
    lines.push(JSON.stringify({ type: 'progress', data: { type: 'hook_progress' } }))
  }
  return lines.join('\n') + '\n'
}

test('the excerpt: eight events before the finding\'s line, its own, three after, in file order; bookkeeping lines left out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agnes-judge-'))
  try {
    const file = join(dir, 't.jsonl')
    writeFileSync(file, bashTranscript(20))
    // Step 10's tool result is line 4 × 10 + 3 = 43.
    const p = await buildJudgePrompt(file, [{ finding_type: 'tool_error', line: 43, excerpt: 'Bash(cmd 10): output 10' }])
    const shown = [...p.prompt.matchAll(/^L(\d+) /gm)].map((m) => Number(m[1]))
    assert.deepEqual(shown, [33, 34, 35, 37, 38, 39, 41, 42, 43, 45, 46, 47])
    assert.match(p.prompt, /:\n…\nL33 user: prompt 8\n/, 'lines left out before the excerpt are marked')
    assert.match(p.prompt, /\nL47 tool result · Bash: output 11\n…\n/, 'and after it')
    assert.match(p.prompt, /^L43 tool result \(error\) · Bash: output 10$/m)
    assert.match(p.prompt, /^L42 tool call · Bash: \{"command":"cmd 10"\}$/m)
    assert.match(p.prompt, /^1\. tool_error at line 43 \(the scanner's excerpt: Bash\(cmd 10\): output 10\)$/m)
    assert.ok(!p.prompt.includes('hook_progress') && !p.prompt.includes('progress'))
    assert.deepEqual(p.asked, [{ finding_type: 'tool_error', line: 43, excerpt: 'Bash(cmd 10): output 10' }])

    const many = Array.from({ length: MAX_FINDINGS_PER_CALL + 5 }, (_, i) => ({ finding_type: 'loop', line: 80 - i * 2, excerpt: null }))
    const capped = await buildJudgePrompt(file, many)
    assert.equal(capped.asked.length, MAX_FINDINGS_PER_CALL, 'at most this many findings per call, the first by line')
    assert.equal(capped.asked[0].line, 32)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('an answer: the JSON object inside any prose; findings by their number; unknown labels are unsure; unknown numbers and types dropped', () => {
  const asked = [{ finding_type: 'tool_error', line: 3, excerpt: null }, { finding_type: 'loop', line: 9, excerpt: null }]
  const text = `Sure. ${JSON.stringify({
    findings: [
      { n: 2, label: 'false_alarm', root_cause: '', explanation: 'three different files' },
      { n: 1, label: 'REAL', root_cause: 'a missing column', explanation: 'the query failed' },
      { n: 1, label: 'false_alarm' },
      { n: 7, label: 'real_failure' },
    ],
    missed: [{ line: 12, finding_type: 'user_rejection', explanation: 'no, the other table' }, { line: 14, finding_type: 'crash' }],
  })} Hope that helps.`
  assert.deepEqual(parseJudgeAnswer(text, asked), [
    { finding_type: 'loop', line: 9, label: 'false_alarm', root_cause: null, explanation: 'three different files' },
    { finding_type: 'tool_error', line: 3, label: 'unsure', root_cause: 'a missing column', explanation: 'the query failed' },
    { finding_type: 'user_rejection', line: 12, label: 'missed', root_cause: null, explanation: 'no, the other table' },
  ])
  assert.equal(parseJudgeAnswer('I cannot judge this.', asked), null)
  assert.equal(parseJudgeAnswer('{"findings": "all fine"}', asked), null)
  assert.deepEqual(parseJudgeAnswer('{}', asked), [])
})

/**
 * Deterministic rules for "the person rejected or corrected what the assistant did".
 *
 * Only called for text a person typed (human prompts and queued prompts) and only after the
 * assistant has done something in the current turn; the caller enforces both. The rules aim for
 * precision: a message is a rejection only when it opens with a refusal ("no", "stop", "don't")
 * or contains an explicit correction ("that's wrong", "not what I asked", "why did you").
 * A bare "no" that answers the assistant's question is an answer, not a rejection.
 */

export interface RejectionContext {
  /** The assistant's last words before this message ended on a question. */
  afterQuestion: boolean;
}

// Longer messages are new task descriptions or pasted material, not a quick push-back.
const MAX_MESSAGE_CHARS = 1000;
const HEAD_CHARS = 300;

// Hesitation words people put before a push-back ("wait, don't run that").
const FILLER = /^(?:(?:hmm+|ugh+|oh|oops|whoa|woah|wait|hold on|hang on|um+|erm?)\b[\s.!,;:—–-]*)+/;
// On its own, "wait!" or "hold on" asks the assistant to stop.
const WAIT_ONLY = /^(?:wait|hold on|hang on|whoa|woah)[\s.!]*$/;
const NO_OPENER = /^(?:no+|nope|nah)\b[\s.!,;:—–-]*(.*)$/s;
// "no" phrases that are agreement or a status report, not refusal.
const NO_BENIGN =
  /^(?:worries|problem|probs?|need|rush|thanks|thank you|big deal|biggie|errors?|issues?|more\b|longer|changes|that'?s (?:fine|ok|okay|good|great|perfect|right|correct)|it'?s (?:fine|ok|okay|good)|all good|that works|looks good)/;
const STOP_OPENER =
  /^(?:please\s+)?(?:stop|halt)(?:\s*(?:[.!,;:—–-]|$)|\s+(?:it|that|this|now|doing|changing|editing|making|touching|running|using|writing|deleting|here|there|right|immediately|and|please)\b)/;
const DONT_OPENER = /^(?:please\s+)?(?:don'?t|do not|never)\b(?!\s+(?:forget|worry|need))/;
const UNDO_OPENER = /^(?:please\s+)?(?:undo|revert|roll ?back)\b/;
const CORRECTIONS: RegExp[] = [
  /\b(?:that'?s|that is|this is|it'?s|it is|you'?re|you are|that was|this was) (?:wrong|incorrect|not right|not correct|not it)\b/,
  /\bnot what i (?:asked|wanted|meant|said|requested)\b/,
  /^wrong\b/,
  /^not (?:quite|right|correct)\b/,
  /\b(?:doesn'?t|does not|don'?t|do not) look right\b/,
  /\byou(?:'ve| have)? (?:used|picked|chose|chosen|read|edited|changed|queried|loaded|opened|modified|updated|got|grabbed|took) (?:the |a )?wrong\b/,
  /\b(?:numbers?|totals?|results?|output|answer|query|chart|plot|values?|counts?|sums?|figures?|data) (?:is|are|was|were|look|looks|seem|seems) (?:wrong|incorrect|off)\b/,
  /^actually\b[^?]*\binstead\b/,
  /\bwrong (?:file|table|column|approach|one|directory|folder|dataset|query|branch|database|db|sheet|path|function|answer|number|result|data|filter|join|metric|year|month)\b/,
  /\bi (?:said|told you|asked you|asked for|meant)\b/,
  /\bi (?:didn'?t|did not|never) (?:ask|want|say|tell|request)\b/,
  /\bwhy (?:did|would|are) you\b/,
  /\b(?:undo|revert) (?:that|this|it|those|these|your|the change|the changes|everything|all)\b/,
  /\byou (?:broke|deleted|removed|overwrote|ignored|messed up|destroyed|lost)\b/,
  /\byou (?:shouldn'?t|should not) have\b/,
  /\bnot like that\b/,
];

/** Lower-cased, quote-normalized, whitespace-collapsed text with editor context blocks removed. */
export function normalizeHumanText(text: string): string {
  return text
    .replace(/<(ide_[a-z_]+|system-reminder)>[\s\S]*?<\/\1>/g, ' ')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** Returns the rule that matched when `text` rejects or corrects the assistant, else null. */
export function rejectionReason(text: string, context: RejectionContext): string | null {
  const normalized = normalizeHumanText(text);
  if (normalized === '' || normalized.length > MAX_MESSAGE_CHARS) return null;
  const head = normalized.slice(0, HEAD_CHARS);
  if (CORRECTIONS.some((rule) => rule.test(head))) return 'correction';
  if (WAIT_ONLY.test(head)) return 'stop';
  const filler = FILLER.exec(head);
  const opening = filler ? head.slice(filler[0].length) : head;
  const no = NO_OPENER.exec(opening);
  if (no) {
    const rest = (no[1] ?? '').trim();
    if (rest !== '' && NO_BENIGN.test(rest)) return null;
    // After a question, "no" (with or without elaboration) is an answer; only an explicit
    // correction, handled above, makes it a rejection.
    return context.afterQuestion ? null : 'no';
  }
  if (STOP_OPENER.test(opening)) return 'stop';
  if (DONT_OPENER.test(opening)) return "don't";
  if (UNDO_OPENER.test(opening)) return 'undo';
  return null;
}

/** True when the assistant's text ends by asking something (a "?" in its closing words). */
export function endsWithQuestion(text: string): boolean {
  const tail = text.trimEnd().slice(-200);
  return tail.includes('?');
}

/**
 * Deterministic rules for "the person rejected or corrected what the assistant just did".
 *
 * Only called for text a person typed (human prompts and queued prompts) after the assistant has
 * acted in the current turn; the caller (FailureScanner) enforces both and tells the rules how the
 * turn looks: whether the assistant's last words asked a question, whether the person has just
 * interrupted, and which words the assistant used in the turn (its text and its tool inputs).
 *
 * A message is a rejection when it
 * - opens with a refusal: "no …", "stop", "don't …", "not in src/, …", "undo …";
 * - corrects explicitly: "that's wrong", "not what I asked", "you forgot …", "why did you …";
 * - redirects: "use pnpm, not npm", "… rather than a comment", "instead of mocking it, …";
 * - contradicts a claim: "it does work, I changed it myself", "I already ran it", "fix the test,
 *   the code is right", or "it still fails" about something the assistant touched in this turn;
 * - right after an interrupt, tells the assistant what to do instead ("create the beads").
 * A bare "no" or "don't" that answers the assistant's question is an answer; approvals ("no
 * problem, go on"), additions ("also add …") and new questions are not rejections.
 */

export interface RejectionContext {
  /** The assistant's last words before this message ended on a question. */
  afterQuestion: boolean;
  /** The person interrupted the assistant just before typing this (Esc, not a refused tool). */
  afterInterrupt?: boolean;
  /** Whether a content word of the message was used by the assistant in this turn. */
  relatesToTurn?: (normalizedText: string) => boolean;
  /** The assistant's last words claimed something is absent or impossible ("I couldn't find any usages"). */
  afterNegativeClaim?: boolean;
  /** Whether a content word of the text was used by the assistant in this turn or the few before it (see TurnWords.overlapsRecent). */
  relatesToRecentWork?: (normalizedText: string) => boolean;
}

// Longer messages are new task descriptions or pasted material, not a quick push-back.
const MAX_MESSAGE_CHARS = 1000;
const HEAD_CHARS = 300;

const APPROVAL_OPENER =
  /^(?:yes|yeah|yep|yup|ok|okay|sure|please do|go ahead|sounds good|great|perfect|thanks|thank you|nice|cool|awesome|good|got it|makes sense|understood|ah,? ok(?:ay)?)\b/;
// Hesitation words people put before a push-back ("wait, don't run that").
const FILLER = /^(?:(?:hmm+|ugh+|oh|oops|whoa|woah|wait|hold on|hang on|um+|erm?|sorry|but|well)\b[\s.!,;:—–-]*)+/;
// On its own, "wait!" or "hold on" asks the assistant to stop.
const WAIT_ONLY = /^(?:wait|hold on|hang on|whoa|woah)[\s.!]*$/;
const WAIT_OPENER = /^(?:wait|hold on|hang on)\b[\s.!,;:—–-]+\S/;
const NO_OPENER = /^(?:no+|nope|nah)\b[\s.!,;:—–-]*(.*)$/s;
// "no" phrases that are agreement or a status report, not refusal.
const NO_BENIGN =
  /^(?:worries|problem|probs?|need|rush|thanks|thank you|big deal|biggie|errors?|issues?|more\b|longer|changes|that'?s (?:fine|ok|okay|good|great|perfect|right|correct|all|it)\b|it'?s (?:fine|ok|okay|good)|all good|all set|that works|looks good|you'?re right|i'?m (?:good|done|fine))/;
const STOP_OPENER =
  /^(?:please\s+)?(?:stop|halt)(?:\s*(?:[.!,;:—–-]|$)|\s+(?:it|that|this|now|doing|changing|editing|making|touching|running|using|writing|deleting|here|there|right|immediately|and|please)\b)/;
const DONT_OPENER = /^(?:please\s+)?(?:don'?t|do not|never)\b(?!\s+(?:forget|worry|need|hesitate|mind)\b)/;
const UNDO_OPENER = /^(?:please\s+)?(?:undo|revert|roll ?back)\b/;
// "not in src/, put it under scripts/", "not as a comment, but …"; not "not sure", "not yet", …
const NOT_OPENER = /^not\b(?!\s+(?:sure|yet|now|bad|really|much|a problem|an issue|at all|too|that important|needed|necessary)\b)/;
const CORRECTIONS: RegExp[] = [
  /\b(?:that'?s|that is|this is|it'?s|it is|you'?re|you are|that was|this was) (?:wrong|incorrect|not right|not correct|not it|not what)\b/,
  /\bnot what i (?:asked|wanted|meant|said|requested)\b/,
  /^wrong\b/,
  /^not (?:quite|right|correct)\b/,
  /\b(?:doesn'?t|does not|don'?t|do not) look right\b/,
  /\byou(?:'ve| have)? (?:used|picked|chose|chosen|read|edited|changed|queried|loaded|opened|modified|updated|got|grabbed|took|ran|committed|created|deleted) (?:the |a |an )?wrong\b/,
  /\b(?:numbers?|totals?|results?|output|answer|query|chart|plot|values?|counts?|sums?|figures?|data) (?:is|are|was|were|look|looks|seem|seems) (?:wrong|incorrect|off)\b/,
  /^actually\b[^?]*\binstead\b/,
  /(?<!\b(?:went|go|goes|gone|going|something|anything|nothing|what'?s|is) )\bwrong (?:file|table|column|approach|one|directory|folder|dataset|query|branch|database|db|sheet|path|function|answer|number|result|data|filter|join|metric|year|month|place|repo|repository|version|name|key|env|environment|server|port|account|project|command|tool|way|order|format|date|id|field|endpoint|url|model)\b/,
  /\bi (?:said|told you|asked you|asked for|meant)\b/,
  /\bi (?:didn'?t|did not|never) (?:ask|want|say|tell|request|need)\b/,
  /\bwhy (?:did|would|are|do|have) you\b/,
  /\b(?:undo|revert) (?:that|this|it|those|these|your|the change|the changes|the last|everything|all)\b/,
  /\byou (?:broke|deleted|removed|overwrote|ignored|messed up|destroyed|lost|forgot|missed|skipped|left out|overlooked)\b/,
  /\byou (?:shouldn'?t|should not) have\b/,
  /\bnot like that\b/,
];
// Redirects: the person names what to do in place of what the assistant did.
const REDIRECTS: RegExp[] = [
  /\b(?:instead of|rather than)\b/,
  /\binstead\b[.!?]?$/,
  /\b(?:use|want|wanted|meant|need|needed|prefer|asked for|said)\b[^.?!,;]{1,40}[,;]\s*not\b/,
  /\bnot (?:as |in |on |to |with |from |the |a |an )?[^.?!,;]{1,40},? but\b/,
  /[,;] not (?:\S+ ?){1,3}[.!]?$/,
];
// "It should be in UTC", "you should use the helper": how the assistant's work ought to be.
const SHOULD =
  /^(you|it|this|that|they|these|those|the \w+(?: \w+)?) (?:should|must|needs? to|has to|have to)(?:n'?t| not)? (?!also\b)(?:be|have|use|return|show|point|go|stay|keep|read|write|call|run|live|look)\b/;
const ANAPHORIC_SUBJECT = /^(?:you|it|this|that|they|these|those)$/;
// The person contradicts a claim: it can be done, it was done, or the thing the assistant
// changed was right all along.
const CONTRADICTIONS: RegExp[] = [
  /^(?:i|we) (?:was|were) able to\b/,
  /^(?:it|that|this) (?:does|did) work\b|^(?:it|that|this) (?:can|could) be done\b|^(?:it|that|this) (?:is|was) possible\b/,
  /\bi (?:had )?already (?:did|ran|have|had|fixed|changed|made|created|pushed|merged|deleted|installed|updated|set|added|removed|committed|done)\b/,
  /\bi (?:\w+ ){0,6}(?:myself|by hand|(?:through|via|using|from|in) the (?:ui|web ui|console|dashboard|settings|admin|website|browser|portal)\b)/,
  /^(?:please )?(?:fix|change|update|edit|adjust|correct) the \w+(?: \w+)?(?: instead)?[,;]? (?:\w+ ){0,3}(?:the |your )?\w+ (?:is|was|are|were) (?:right|correct|fine)\b/,
];
// The person judges what the assistant produced: "that's overkill", "that's the old API",
// "this breaks the public API", "this query will lock the table".
const NEGATIVE_VERDICT = new RegExp(
  String.raw`^(?:that|this|it|these|those|the (?:new |last )?\w+)(?:'s| is| was| are| were| will| would| looks?| seems?)? ?(?:be |look |way |far |much )?` +
    String.raw`(?:overkill|too (?:much|many|complex|complicated|slow|big|long|verbose|aggressive|broad)|unnecessary|not needed|not necessary|redundant|` +
    String.raw`outdated|obsolete|deprecated|the old|a bad idea|dangerous|risky|unsafe|broken|buggy|incomplete|unreadable|` +
    String.raw`overcomplicated|over-?engineered|excessive|pointless|useless|misleading|backwards|inverted|reversed|the production|prod(?:uction)?\b|` +
    String.raw`breaks?|break(?:s|ing)? |will break|would break)\b`,
);
// Taking back what the assistant did: "put it back", "remove it from the commit", "restore it".
const UNDO_PHRASE =
  /\b(?:put|change|move|set|switch|turn|bring) (?:it|that|this|them|those|these|the \w+) back\b|\b(?:remove|take|drop|delete) (?:it|that|this|them|those) (?:from|out)\b|\brestore (?:it|that|this|them|the)\b|\broll (?:it|that|this) back\b/;
// "you committed the .env file, remove it": what the assistant did, and how to repair it.
const YOU_DID = /^you (?:\w+ed|made|put|wrote|ran|left|set|sent|took|gave|built|broke)\b/;
const REPAIR = /\b(?:remove|revert|undo|delete|drop|fix|change|put|restore|rename|move|take|don'?t|shouldn'?t|should not|do not)\b/;
const APPRAISAL = /\b(?:great|nice|perfect|well|correctly|right|good|awesome|amazing)\b/;
// Something the assistant claimed is missing or impossible, answered with "it is there".
const EXISTS_REPLY = /^(?:but |well,? )?(?:there (?:are|is|were|was)|it (?:is|does|exists|was)|it'?s (?:used|there|in|at|under|needed|called|imported)|they (?:are|exist|do)|yes,? (?:it|there))\b|\b(?:check|look|search) again\b/;
// The work is already there: "we already have a helper for this".
const ALREADY_THERE = /\b(?:we|i) already have\b|\bthere(?:'s| is| are) already\b|\balready exists?\b|\balready (?:implemented|in place)\b/;
// Alarm at what just happened: "whoa, that was the production database!"
const ALARM = /^(?:whoa+|woah+|oh no|uh[- ]oh|omg|wtf|yikes)\b(?![\s.!,;:—–-]*(?:it'?s (?:fine|ok|okay)|no problem|all good|never ?mind))/;
// "I don't see any change": the claim did not hold.
const NOT_SEEN = /\bi (?:still )?(?:don'?t|do not|can'?t|cannot) (?:see|find)\b/;

// "It still fails", "doesn't work": a rejection when it is about what this turn did.
const STILL_BROKEN =
  /\b(?:still|again) (?:fails?|failing|failed|broken|not|doesn'?t|does not|don'?t|do not|isn'?t|is not|the same|wrong|empty|missing|crash(?:es|ing)?|errors?|hangs?|there|happening|shows?|returns?|red)\b|\b(?:doesn'?t|does not|didn'?t|did not|don'?t|do not|won'?t|isn'?t|is not) (?:work|working|pass|passing|compile|build|run|load|start|fix|change|help)\b/;
// After an interrupt: a direct instruction is the assistant being told what to do instead.
const IMPERATIVE =
  /^(?:please\s+)?(?:just\s+|only\s+)?(?:use|create|make|do|try|run|write|put|switch|change|keep|leave|skip|go with|move|call|fix|show|open|delete|remove|rename|read|look at|focus on|start|first|set|add|edit|update|install|build|test|commit|push|check)\b/;
// "… for that", "… instead": the instruction is about the work just interrupted.
const ANAPHORA = /\b(?:that|this|it|them|those|these|instead)\b/;
const CONTINUE =
  /\b(?:continue|go on|go ahead|carry on|proceed|resume|keep going|never ?mind|by accident|accidentally|my bad|all good|looks good|thanks|thank you)\b|^(?:ok|okay|yes|yep|sure|fine|good|great|perfect)\b/;

// ---- the turn as a whole: a negation or contrast aimed at what the assistant just did -------------------

// Reassurance and closings carry negations without rejecting anything.
const REASSURANCE =
  /\b(?:(?:it|that) (?:doesn'?t|does not) matter|never ?mind|no (?:problem|worries)|not a (?:problem|big deal|issue)|no issue|nothing else|that'?s all|i'?m (?:good|done)|why not|go ahead|go for it|fine by me|take your time|no rush)\b|^(?:please )?(?:don'?t|do not) forget\b/;
// A new request or question, not a verdict on the last step.
const NEW_TASK_OPENER = /^(?:now|next|also|then|and now|let'?s|can you|could you|would you|will you|please (?:add|also|create|write|make)|add|create|implement|build)\b/;
const QUESTION =
  /^(?:what|why|how|when|where|which|who|can|could|would|will|is|are|do|does|did|should|shall|have|has)\b[^?]*\?\s*$|[,;:—–-]\s*(?:can|could|would|will) you (?:explain|tell|show|clarify|describe)\b[^?]*\?\s*$/;
const NEGATION = /n't\b|\b(?:not|no|never|nobody|nothing|none|nor|without)\b/;
const CONTRAST = /\b(?:but|actually|though|however)\b/;
// "…, do it with the stdlib", "…, commit to main": the second clause says what to do instead.
const CHANGE_CLAUSE =
  /[,;:—–-]\s*(?:just |only |please |so |and )?(?:do|keep|use|make|commit|put|move|leave|add|write|run|call|go|switch|change|revert|remove|stick|stop|skip|drop|send|try|undo|set|rename|split|merge)\b/;
// The message is about the assistant's last step: it opens on "that/this/it/those…" or "the X is/was…",
// or addresses the assistant ("you", "your").
const SUBJECT_REF =
  /^(?:(?:but|and|so|well|hmm+|ah|oh)[\s,]+)?(?:that|this|it|those|these|they|them|you|your)\b|^(?:the|those|these|this|that) \w+(?: \w+)? (?:is|are|was|were|looks?|seems?|has|have|hasn'?t|haven'?t|isn'?t|aren'?t|won'?t|will|can'?t|don'?t|doesn'?t)\b/;
// "you left out central", "the lines you changed"; not the "can you …" of a request.
const ADDRESSED = /(?<!\b(?:can|could|would|will|do|did|have|are|if|thank|when|as|let) )\byou(?:'ve|'re|'d)?\b|\byour\b/;
const DISAGREE = /\bi (?:don'?t|do not) (?:think|believe|agree)\b|\b(?:can'?t|cannot|couldn'?t) be (?:right|correct|true)\b|\bmakes? no sense\b|\bdoesn'?t make (?:any )?sense\b/;
const FINE_BLAME = /\b(?:is|are|was|were) (?:fine|correct|right|ok)\b.*\b(?:the (?:problem|issue|bug|error) is|problem is in|issue is in)\b/;
const WARNING = /^(?:careful|be careful|watch out|heads up|caution)\b/;
const RESTRICT = /^(?:just|only) \w+/;
// "the central numbers look way too high"
const TOO_MUCH = /\btoo (?:high|low|big|small|slow|fast|long|short|many|few|much|little|wide|narrow|late|early|large|aggressive|strict|loose)\b/;
// "they belong in the data", "it has to stay": what the assistant removed or changed must stay.
const KEEP_CUE = /\b(?:belongs?|has to stay|have to stay|must stay|needs? to stay|should stay|is needed|are needed|keep (?:it|them|this|those|these))\b/;
// "please keep this out of main until …", "leave it as it was", "hold off on pushing".
const HOLD_OPENER = /^(?:please )?(?:keep|leave|hold off|hold back)\b(?! (?:going|it up|up the)\b)/;

// ---- statements about the work: the person states how things are, and it is not how the assistant did them --

// A clause's subject and its finite verb: "the other exports live under …", "snapshot tests are banned …",
// "that rejects half our users", "signup gives me a 500". The subject is a short noun phrase (at most
// three words after its determiners); the verb a copula, a modal or a present-tense verb.
const STATEMENT = new RegExp(
  String.raw`^((?:(?:the|a|an|our|all|every|each|any|these|those|this|that|other|new|old|same|real|whole)\s+)*` +
    String.raw`[\w./@:-]+(?:\s+[\w./@:-]+){0,2}?)\s+` +
    String.raw`(?:is|are|was|were|isn'?t|aren'?t|wasn'?t|weren'?t|must|should|shall|shouldn'?t|has to|have to|needs? to|` +
    String.raw`can'?t|cannot|won'?t|will|would|wouldn'?t|belongs?|lives?|goes|stays?|comes?|gives?|touches|rejects|breaks|` +
    String.raw`misses|lacks|deletes|removes|drops|overwrites|sends|emails|returns|shows|looks|seems|means|counts|uses|runs|` +
    String.raw`needs|contains|includes|ignores|skips|loads|fails|crashes|hangs|throws)\b(.*)$`,
);
const PRONOUN_SUBJECT = /^(?:that|this|it|these|those|they)(?:\s+\w+)?$/;
// Subjects that are not about the work: the person, the assistant, or filler.
const NOT_WORK_SUBJECT = /^(?:i|we|you|he|she|there|here|what|which|who|how|why|when|where|everything|nothing|something|anything|all|one|ok|okay|yes|no|so|and|but|also|now|then|maybe|perhaps)\b/;
// Predicates that praise or accept: "that looks good", "this is exactly what I needed", "it works".
const POSITIVE_PREDICATE =
  /^\s*(?:(?:really|so|very|exactly|pretty|much|way|all|now|also|still)\s+)*(?:good|great|fine|perfect|right|correct|better|nice|clear|clean|ok|okay|alright|helpful|expected|enough|what i (?:wanted|needed|meant|asked)|done|working|passing|fixed|green|it|fast|faster|useful|awesome|amazing|excellent|lovely|neat|beautiful|readable|quick|quicker|impressive|do|suffice|enough|(?:look|looks|seem|seems) (?:good|great|fine|right|correct|better|nice|ok|okay))\b/;
// The person reports the work failing: "signup gives me a 500", "it throws on empty input", "I get a blank page".
const FAILURE_REPORT =
  /\b(?:gives?|giving|got|get|getting|returns?|returning|throws?|throwing|shows?|showing|see|seeing)\b (?:me |us )?(?:an? |the |only |just )?(?:\d{3}\b|errors?\b|exception|blank|empty|nothing\b|crash|stack ?trace|traceback|timeout|white screen)|\b(?:crash(?:es|ed|ing)?|fails?|failed|failing|errors? out|blows up|blew up)\b/;
// A habit or rule of the team the assistant went against: "we book everything at the monthly rate".
const CONVENTION =
  /^(?:(?:here|in this (?:repo|project|team|codebase)),? )?we (?!(?:can|could|will|would|should|might|may|need|must|shall|are|were|have|had|continue|'ll|'d|'re|'ve)\b)(?:always |never |only |usually |normally )?\w+/;
// Questions that challenge rather than ask: "where is 3.0.0 coming from?", "a pie chart for a time series??".
const CHALLENGE_QUESTION =
  /\bwhere (?:is|are|did|does|do) [^?]*\b(?:come|coming|get|getting) (?:from|that)\b(?<!\bwhere (?:do|does) (?:the|these|those|this|that|it|they) \w+(?: \w+)? (?:come|get) from)|\?{2,}|\?!|!\?|\b(?:since when|who told you|who asked)\b/;
const WH_OR_AUX_OPENER =
  /^(?:what|why|how|when|where|which|who|whose|can|could|would|will|is|are|am|do|does|did|should|shall|have|has|may|might|and|or|so|any|anything|also)\b/;
// "I needed both", "I wanted a bar chart", "I thought we agreed on a PR": what the person expected instead.
const EXPECTED_OTHERWISE =
  /\bi (?:needed|wanted|expected|was expecting|was hoping for|intended)\b|\bi thought (?:we|you|it|that|this|the|they)\b|\bwe (?:agreed|decided|said)\b|\bas (?:agreed|discussed)\b/;
// "lint src/signup only", "round only the chart labels", "just the filters".
const RESTRICTION_MID = /\b(?:only|just) the\b|\w+ only\b[.!]?$|\b(?:\w+) only (?:the|in|on|for|to|what|where|when)\b|^\w+ only\b/;
// "line chart please", "semicolons please": the person names the version they want of what was just made.
const PLEASE_PHRASE = /^(?:[\w./@:-]+\s+){0,3}[\w./@:-]+,? please[.!]?$|^please,? (?:[\w./@:-]+\s+){0,3}[\w./@:-]+[.!]?$/;
// "step 2, please", "part 3 please", "the next one please": the next item of a list the person works through
// (the assistant having just said it finished a step), a request to go on rather than another version.
const NEXT_IN_SEQUENCE =
  /\b(?:next|rest|remaining|following)\b|\b(?:step|part|phase|stage|item|task|point|section|chapter|page|question|exercise|batch|round|milestone)s?\s+#?\d{1,3}\b|#\d{1,3}\b/;
const VERB_OPENER =
  /^(?:please\s+)?(?:add|create|write|make|build|implement|run|deploy|commit|push|open|show|send|check|test|explain|tell|give|generate|draft|start|begin|continue|go|keep going)\b/;

/**
 * A statement about the work, the most common form a correction takes once it does not open with "no":
 * the person says how something is or has to be ("snapshot tests are banned in this repo", "a new endpoint
 * is a minor bump", "the CSV should use semicolons"), what the assistant's step does ("that rejects half our
 * users"), that it fails ("signup gives me a 500"), how the team does it, what they expected instead, or
 * names the version they want ("line chart please"). Each needs the message to be about the work: a
 * pronoun subject, or words the assistant used in this or one of the previous turns.
 */
function statesOtherwise(head: string, opening: string, related: (text: string) => boolean, recent: (text: string) => boolean): string | null {
  if (REASSURANCE.test(head) || APPRAISAL_OPENER.test(opening)) return null;
  if (EXPECTED_OTHERWISE.test(head)) return 'expected otherwise';
  const firstSentence = opening.split(/(?<=[.!?])\s+/)[0];
  if (firstSentence.endsWith('?')) {
    if (CHALLENGE_QUESTION.test(firstSentence)) return 'challenge';
    // An echo question about the work ("a pie chart for a time series?"): no question word, the turn's words.
    if (!WH_OR_AUX_OPENER.test(firstSentence) && !/\byou\b/.test(firstSentence) && related(firstSentence)) return 'echo question';
    return null;
  }
  if (NEW_TASK_OPENER.test(opening) || VERB_OPENER.test(opening) || QUESTION.test(opening)) return null;
  const clause = firstSentence
    .split(/[,;:—–]\s*|\s+(?:so|but|because|since|and)\s+/)[0]
    .replace(/\b(that|this|it|they|these|those)'(s|re)\b/g, (_, subject: string, verb: string) => `${subject} ${verb === 's' ? 'is' : 'are'}`);
  const statement = STATEMENT.exec(clause);
  if (statement) {
    const subject = statement[1];
    const predicate = statement[2] ?? '';
    const about = PRONOUN_SUBJECT.test(subject) || (!NOT_WORK_SUBJECT.test(subject) && recent(subject));
    if (about && !POSITIVE_PREDICATE.test(predicate) && !APPRAISAL.test(predicate)) return 'statement about the work';
  }
  if (FAILURE_REPORT.test(head) && !APPRAISAL.test(head) && related(head)) return 'failure report';
  if (CONVENTION.test(opening) && related(head)) return 'convention';
  if (RESTRICTION_MID.test(firstSentence) && related(firstSentence)) return 'restriction';
  if (PLEASE_PHRASE.test(firstSentence) && !NEXT_IN_SEQUENCE.test(firstSentence) && related(firstSentence)) return 'names the version wanted';
  return null;
}
const APPRAISAL_OPENER = /^(?:(?:that|this|it)(?:'s| is| was| looks?| seems?)? ?(?:really |so |very |exactly )?(?:great|good|nice|perfect|fine|better|awesome|amazing|helpful|expected|what i (?:wanted|needed|meant|asked)))\b|^(?:makes sense|works|working|looks good|all good|fair enough|fair|right|true|exactly|agreed|love it|nice one)\b/;

/**
 * The general case of "negates, redirects or contradicts what it just did or claimed": a message that
 * is not an approval, a question or a new request, and that negates or contrasts (or says what to do
 * instead) while pointing at the assistant's last step: by its subject, by addressing the assistant,
 * or by the turn's own words.
 */
function contradictsTurn(head: string, opening: string, related: (text: string) => boolean): string | null {
  if (REASSURANCE.test(head)) return null;
  if (WARNING.test(opening)) return 'warning';
  if (DISAGREE.test(head)) return 'disagreement';
  if (FINE_BLAME.test(head)) return 'contradiction';
  if (NEW_TASK_OPENER.test(opening) || QUESTION.test(opening)) return null;
  // Splitting the turn into words is the costly part, so it is only asked when a cue needs it.
  const pointsAtTurn = () => SUBJECT_REF.test(opening) || ADDRESSED.test(head) || related(head);
  const change = CHANGE_CLAUSE.test(head);
  if ((NEGATION.test(head) || CONTRAST.test(head)) && (change || pointsAtTurn())) return 'negates the turn';
  if (RESTRICT.test(opening) && pointsAtTurn()) return 'restriction';
  if ((TOO_MUCH.test(head) || KEEP_CUE.test(head)) && pointsAtTurn()) return 'verdict';
  if (HOLD_OPENER.test(opening) && (ANAPHORA.test(head) || related(head))) return 'hold';
  if (change && SUBJECT_REF.test(opening)) return 'redirect';
  return null;
}

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
  const related = context.relatesToTurn ?? (() => false);
  // "yes revert it" accepts what the assistant offered.
  if (APPROVAL_OPENER.test(head) && !/\bbut\b/.test(head)) return null;
  if (CORRECTIONS.some((rule) => rule.test(head))) return 'correction';
  if (WAIT_ONLY.test(head)) return 'stop';
  if (ALARM.test(head) && !APPRAISAL.test(head) && !/\b(?:thanks|thank you|fast|quick|cool|impressive)\b/.test(head)) return 'alarm';
  // "wait, the v1 endpoint is deprecated - use /v2": stopping the assistant to say something else.
  if (WAIT_OPENER.test(head) && !head.includes('?')) return 'stop';
  const filler = FILLER.exec(head);
  const opening = filler ? head.slice(filler[0].length) : head;
  if (STOP_OPENER.test(opening)) return 'stop';
  const no = NO_OPENER.exec(opening);
  if (no) {
    const rest = (no[1] ?? '').trim();
    // "no need to retrain everything" right after Esc: the interrupted work was not wanted.
    if (context.afterInterrupt && /^need\b/.test(rest)) return 'no';
    if (rest !== '' && NO_BENIGN.test(rest)) return null;
    // After a question, "no" (with or without elaboration) is an answer; only an explicit
    // correction, handled above, makes it a rejection.
    return context.afterQuestion ? null : 'no';
  }
  // The openers and redirects below answer a question just as often as they correct.
  if (context.afterQuestion) return null;
  if (DONT_OPENER.test(opening)) return "don't";
  if (UNDO_OPENER.test(opening)) return 'undo';
  if (NOT_OPENER.test(opening)) return 'not';
  if (REDIRECTS.some((rule) => rule.test(head))) return 'redirect';
  if (CONTRADICTIONS.some((rule) => rule.test(opening))) return 'contradiction';
  if (context.afterNegativeClaim && EXISTS_REPLY.test(opening)) return 'contradiction';
  if (NEGATIVE_VERDICT.test(opening)) return 'verdict';
  if (UNDO_PHRASE.test(head)) return 'undo';
  if (YOU_DID.test(opening) && REPAIR.test(head) && !APPRAISAL.test(head)) return 'you did';
  if (ALREADY_THERE.test(head)) return 'already there';
  if (NOT_SEEN.test(head) && (related(head) || ANAPHORA.test(head))) return 'not seen';
  const general = contradictsTurn(head, opening, related);
  if (general) return general;
  const stated = statesOtherwise(head, opening, related, context.relatesToRecentWork ?? related);
  if (stated) return stated;
  const should = SHOULD.exec(opening);
  if (should && (ANAPHORIC_SUBJECT.test(should[1]) || related(head))) return 'should';
  if (STILL_BROKEN.test(head) && related(head)) return 'still broken';
  if (
    context.afterInterrupt &&
    !head.includes('?') &&
    IMPERATIVE.test(opening) &&
    !CONTINUE.test(opening) &&
    (ANAPHORA.test(head) || related(head))
  ) {
    return 'redirect after interrupt';
  }
  return null;
}

// The assistant reporting that something is absent or cannot be done.
const NEGATIVE_CLAIM =
  /\b(?:couldn'?t|could not|can'?t|cannot|unable to|didn'?t|did not) (?:find|locate|see|be done|do)\b|\bno (?:usages?|matches|results|references|callers|files|occurrences)\b|\b(?:doesn'?t|does not|don'?t|do not) (?:exist|allow|support)\b|\bnot (?:found|possible|supported|used)\b|\b(?:is|was|are|were) unused\b|\bisn'?t (?:possible|used|there)\b/i;

/** True when the assistant's text says something is missing, unused or impossible. */
export function claimsAbsence(text: string): boolean {
  return NEGATIVE_CLAIM.test(text.slice(-600));
}

/** True when the assistant's text ends by asking something (a "?" in its closing words). */
export function endsWithQuestion(text: string): boolean {
  const tail = text.trimEnd().slice(-200);
  return tail.includes('?');
}

// Words too common to show that a message is about what the assistant did.
const STOP_WORDS = new Set(
  (
    'the and for that this with you your are was were have has had not but can will just now let its into from then than ' +
    'there here what when where which who how why all any some out about also more most other only own same too very ' +
    'should would could did does done doing don didn doesn isn aren wasn weren won get got make made see look like want ' +
    'need use used using one two new old way thing things yes okay sure please thanks thank still again work works working ' +
    'maybe because after before over under back they them their our ours his her him she he i me my mine we us it is be ' +
    'been being do so if or as at by on in of to up no off an a let me check run running file files line lines first last ' +
    'good great fine right wrong time fix fixed try tried'
  ).split(' '),
);
const WORD = /[a-z][a-z0-9]{2,}/g;

/** Content words of a text: lower case, three letters or more, a plural "s" dropped, common words left out. */
export function contentWords(text: string): string[] {
  const out: string[] = [];
  // match() with a global regex hands back the words as strings in one call, without a match object for each.
  for (let word of text.toLowerCase().match(WORD) ?? []) {
    if (word.length > 4 && word.endsWith('s')) word = word.slice(0, -1);
    if (!STOP_WORDS.has(word)) out.push(word);
  }
  return out;
}

/** The content words of all `texts`. */
function wordSet(texts: string[]): Set<string> {
  const words = new Set<string>();
  for (const text of texts) for (const word of contentWords(text)) words.add(word);
  return words;
}

/**
 * Words the assistant used in the current turn, to tell "it still fails" about its work from a new
 * topic. Texts are kept (bounded) and only split into words when a person's message needs the check,
 * which is rare next to the number of assistant lines.
 */
export class TurnWords {
  private texts: string[] = [];
  private chars = 0;
  private words: Set<string> | null = null;
  private static readonly MAX_CHARS = 64 * 1024;
  private static readonly MAX_CHARS_PER_TEXT = 4000;

  /** Adds one assistant text or tool input. */
  add(text: string): void {
    if (this.chars >= TurnWords.MAX_CHARS) return;
    const kept = text.length > TurnWords.MAX_CHARS_PER_TEXT ? text.slice(0, TurnWords.MAX_CHARS_PER_TEXT) : text;
    this.texts.push(kept);
    this.chars += kept.length;
    this.words = null;
  }

  /** True when any content word of `text` was used in the turn. */
  overlaps(text: string): boolean {
    this.words ??= wordSet(this.texts);
    const words = this.words;
    return contentWords(text).some((word) => words.has(word));
  }

  clear(): void {
    this.texts = [];
    this.chars = 0;
    this.words = null;
    this.earlier = [];
  }

  /**
   * The turns before this one, newest last; "the CSV should use semicolons" may be about them. Each keeps
   * its own word set, split once however many later turns look at it.
   */
  private earlier: Array<{ texts: string[]; words: Set<string> | null }> = [];
  private static readonly EARLIER_TURNS = 8;

  /** Ends the turn: its texts become one of the earlier turns that overlapsRecent() also looks at. */
  endTurn(): void {
    if (this.texts.length > 0) {
      this.earlier.push({ texts: this.texts, words: this.words });
      if (this.earlier.length > TurnWords.EARLIER_TURNS) this.earlier.shift();
    }
    this.texts = [];
    this.chars = 0;
    this.words = null;
  }

  /** True when any content word of `text` was used in this turn or the EARLIER_TURNS before it. */
  overlapsRecent(text: string): boolean {
    if (this.overlaps(text)) return true;
    const words = contentWords(text);
    return this.earlier.some((turn) => {
      turn.words ??= wordSet(turn.texts);
      const used = turn.words;
      return words.some((word) => used.has(word));
    });
  }
}

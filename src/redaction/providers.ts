// Token formats that announce themselves with a provider prefix (`glpat-`, `npm_`, `SG.`, `whsec_` ...). The set
// follows what the public rule sets of gitleaks (config/gitleaks.toml) and trufflehog (pkg/detectors) recognise
// without needing a `key = value` context; the expressions are written for this module's constraints instead:
// - every prefixed token is bounded by START/END, so `task_test_…` or `xhf_…` inside a longer word is not one;
// - every quantifier is bounded or runs over a class that cannot overlap what follows, so scanning stays linear;
// - the random part must look generated (see looksRandom), so `npm_xxxx…`, `glpat-your-token` and
//   documentation examples stay as they are.
// Formats without a prefix of their own (AWS secret keys, Datadog or Cloudflare keys) are not here: the AWS
// secret key is anchored to its access key id in patterns.ts, the others are caught by `key = value`.
import { END, rule, START, type RedactionRule } from './rule.ts'
import { hasDigitsAndLetters, isLowEntropy, looksRandom } from './values.ts'

/** A provider rule before its gate is known; `prefixes` are its literal token starts, when it has them. */
interface Draft {
  rule: RedactionRule
  prefixes?: readonly string[]
}

const escape = (literal: string) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * A token made of a prefix and a random body. `prefixes` is either the list of literal prefixes (each ending in
 * `_`, `-` or `.`) or a hint for formats that have none; `bodyStart` says where the random part begins, for
 * the looks-generated test.
 */
function token(
  kind: string, prefixes: readonly string[] | RegExp, source: string, bodyStart: number | RegExp, accept = looksRandom,
): Draft {
  if (Array.isArray(prefixes) && prefixes.some((p) => !/[_.-]$/.test(p))) throw new Error(`${kind}: a prefix must end in _, - or .`)
  const hint = Array.isArray(prefixes) ? new RegExp(prefixes.map(escape).join('|')) : (prefixes as RegExp)
  const built = rule(kind, hint, `${START}(?:${source})${END}`, '', (secret) => {
    const body = typeof bodyStart === 'number' ? secret.slice(bodyStart) : secret.replace(bodyStart, '')
    return accept(body)
  })
  return { rule: built, prefixes: Array.isArray(prefixes) ? prefixes : undefined }
}

/** Hex bodies are single-case by nature: they only need digits and letters and enough distinct characters. */
const hexLike = (body: string) => hasDigitsAndLetters(body) && !isLowEntropy(body)
/** Bodies that are letters only by design (Hugging Face): both cases and enough distinct characters. */
const mixedCase = (body: string) => /[a-z]/.test(body) && /[A-Z]/.test(body) && !isLowEntropy(body)

/** Provider token rules, in the order they are applied (more specific prefixes before shorter ones). */
const DRAFTS: readonly Draft[] = [
  // Payments
  token('stripe_key', ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'], String.raw`[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}`, 8),
  token('stripe_webhook_secret', ['whsec_'], String.raw`whsec_[A-Za-z0-9+/]{24,200}={0,2}`, 6),
  token('square_token', ['sq0atp-', 'sq0csp-'], String.raw`sq0(?:atp|csp)-[A-Za-z0-9_-]{22,60}`, 7),
  // Source hosting and CI
  token('gitlab_token', ['glpat-', 'gldt-', 'glrt-', 'glptt-', 'glft-', 'glimt-', 'glagent-', 'gloas-', 'glsoat-', 'glffct-', 'glcbt-'],
    String.raw`(?:glpat|gldt|glrt|glptt|glft|glimt|glagent|gloas|glsoat|glffct|glcbt)-[A-Za-z0-9_-]{20,300}(?:\.[A-Za-z0-9_-]{2,64}){0,3}`,
    /^gl[a-z]+-/),
  token('gitlab_token', /GR1348941/, String.raw`GR1348941[A-Za-z0-9_-]{20,64}`, 9),
  token('circleci_token', ['CCIPAT_'], String.raw`CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}`, 7),
  token('buildkite_token', ['bkua_'], String.raw`bkua_[a-f0-9]{40}`, 5, hexLike),
  token('docker_token', ['dckr_pat_'], String.raw`dckr_pat_[A-Za-z0-9_-]{27,64}`, 9),
  token('atlassian_token', /AT[AC]TT3|ATBB/, String.raw`AT[AC]TT3[A-Za-z0-9_=-]{100,300}|ATBB[A-Za-z0-9]{28,40}`, 4),
  // Package registries
  token('npm_token', ['npm_'], String.raw`npm_[A-Za-z0-9]{36}`, 4),
  token('pypi_token', ['pypi-'], String.raw`pypi-AgE[A-Za-z0-9_-]{50,1000}`, 5),
  token('rubygems_token', ['rubygems_'], String.raw`rubygems_[a-f0-9]{48}`, 9, hexLike),
  token('nuget_key', /oy2/, String.raw`oy2[a-z0-9]{43}`, 3, hexLike),
  // AI providers (OpenAI and Anthropic keys are in patterns.ts)
  token('huggingface_token', ['hf_', 'api_org_'], String.raw`(?:hf_|api_org_)[A-Za-z0-9]{34}`, /^(?:hf_|api_org_)/, mixedCase),
  token('ai_api_key', ['pplx-', 'gsk_', 'xai-', 'r8_', 'lsv2_pt_', 'lsv2_sk_'],
    String.raw`pplx-[A-Za-z0-9]{48}|gsk_[A-Za-z0-9]{52}|xai-[A-Za-z0-9]{80}|r8_[A-Za-z0-9]{37}|lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}`,
    /^(?:pplx-|gsk_|xai-|r8_|lsv2_(?:pt|sk)_)/),
  // Cloud and infrastructure
  token('digitalocean_token', ['doo_v1_', 'dop_v1_', 'dor_v1_'], String.raw`do[opr]_v1_[a-f0-9]{64}`, 7, hexLike),
  token('databricks_token', /dapi/, String.raw`dapi[a-f0-9]{32}(?:-[0-9])?`, 4, hexLike),
  token('vault_token', ['hvs.', 'hvb.', 'hvr.'], String.raw`hv[sbr]\.[A-Za-z0-9_-]{24,300}`, 4),
  token('terraform_token', ['.atlasv1.'], String.raw`[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}`, 23),
  token('doppler_token', ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'], String.raw`dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}`, /^dp\.[a-z]+\./),
  token('pulumi_token', ['pul-'], String.raw`pul-[a-f0-9]{40}`, 4, hexLike),
  token('flyio_token', ['fo1_', 'fm1_', 'fm1a_', 'fm1r_', 'fm2_', 'fm2a_', 'fm2r_'], String.raw`fo1_[A-Za-z0-9_-]{43}|fm[12][ar]?_[A-Za-z0-9+/]{100,2000}={0,3}`, /^f[om][12][ar]?_/),
  token('planetscale_token', ['pscale_tkn_', 'pscale_oauth_', 'pscale_pw_'], String.raw`pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=-]{32,64}`, /^pscale_[a-z]+_/),
  token('supabase_key', ['sbp_', 'sb_secret_'], String.raw`sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{31,64}`, /^(?:sbp_|sb_secret_)/),
  token('tailscale_key', ['tskey-'], String.raw`tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{8,}-[A-Za-z0-9]{16,64}`, /^tskey-[a-z]+-/),
  token('netlify_token', ['nfp_'], String.raw`nfp_[A-Za-z0-9]{36}`, 4),
  token('heroku_key', ['HRKU-'], String.raw`HRKU-AA[A-Za-z0-9_-]{58}`, 7),
  token('artifactory_key', /AKCp/, String.raw`AKCp[A-Za-z0-9]{69}`, 4),
  token('azure_client_secret', /[0-9]Q~/, String.raw`[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}`, 0),
  token('age_secret_key', /AGE-SECRET-KEY-1/, String.raw`AGE-SECRET-KEY-1[0-9A-Z]{58}`, 16, hexLike),
  // Monitoring, SaaS and messaging
  token('sendgrid_key', ['SG.'], String.raw`SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}`, 3),
  token('mailgun_key', ['key-'], String.raw`key-[a-f0-9]{32}`, 4, hexLike),
  token('mailchimp_key', /-us[0-9]/, String.raw`[a-f0-9]{32}-us[0-9]{1,2}`, /-us[0-9]+$/, hexLike),
  token('twilio_key', /SK[0-9a-f]/, String.raw`SK[0-9a-f]{32}`, 2, hexLike),
  token('sentry_token', ['sntrys_', 'sntryu_'], String.raw`sntry[su]_[A-Za-z0-9+/=_]{40,600}`, 7),
  token('newrelic_key', ['NRAK-', 'NRII-', 'NRJS-'], String.raw`NR(?:AK|II|JS)-[A-Za-z0-9]{19,40}`, 5),
  token('dynatrace_token', ['dt0c01.'], String.raw`dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}`, 7),
  token('grafana_token', ['glc_', 'glsa_'], String.raw`glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}`, /^gl(?:c|sa)_/),
  token('linear_key', ['lin_api_', 'lin_oauth_'], String.raw`lin_(?:api|oauth)_[A-Za-z0-9]{40}`, /^lin_[a-z]+_/),
  token('notion_token', ['ntn_'], String.raw`ntn_[0-9]{11}[A-Za-z0-9]{35}`, 4),
  token('figma_token', ['figd_'], String.raw`figd_[A-Za-z0-9_-]{40}`, 5),
  token('postman_key', ['PMAK-'], String.raw`PMAK-[a-f0-9]{24}-[a-f0-9]{34}`, 5, hexLike),
  token('contentful_token', ['CFPAT-'], String.raw`CFPAT-[A-Za-z0-9_-]{43}`, 6),
  token('shopify_token', ['shpat_', 'shpca_', 'shppa_', 'shpss_'], String.raw`shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}`, 6, hexLike),
  token('mapbox_secret_token', ['sk.'], String.raw`sk\.eyJ[A-Za-z0-9_-]{50,400}\.[A-Za-z0-9_-]{20,100}`, 3),
  token('onepassword_token', ['ops_'], String.raw`ops_eyJ[A-Za-z0-9+/_-]{100,4000}={0,3}`, 4),
  token('google_oauth_secret', ['GOCSPX-'], String.raw`GOCSPX-[A-Za-z0-9_-]{28}`, 7),
  token('google_oauth_token', ['ya29.'], String.raw`ya29\.[A-Za-z0-9_-]{30,2000}`, 5),
  // Telegram: `<bot id>:<35 chars>`, also inside https://api.telegram.org/bot<token>/ (so no START before the id).
  { rule: rule('telegram_bot_token', /:AA/, String.raw`(?<![0-9])(?<secret>[0-9]{6,12}:AA[A-Za-z0-9_-]{33})${END}`, '',
    (s) => looksRandom(s.slice(s.indexOf(':') + 3))) },
  { rule: rule('discord_webhook', /discord(?:app)?\.com\/api\/webhooks/,
    String.raw`discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/(?<secret>[A-Za-z0-9_-]{60,80})${END}`) },
  // Azure connection strings: the key sits after AccountKey= / SharedAccessKey=, which `key = value` does not
  // treat as secret names (an "account key" could be an id elsewhere).
  { rule: rule('azure_key', /(?:Account|SharedAccess)Key=/,
    String.raw`(?:AccountKey|SharedAccessKey)=(?<secret>[A-Za-z0-9+/]{40,100}={0,2})(?![A-Za-z0-9+/=])`, '', looksRandom) },
]

// Two gates instead of one scan per provider. Most prefixes end in `_`, `-` or `.`: one pattern finds those
// characters and looks back for a prefix (a literal scan per provider costs several times more on long lines).
// The rest share a plain alternation of their hints.
const SEPARATED = new RegExp(String.raw`[_.-](?<=${DRAFTS.flatMap((d) => d.prefixes ?? []).map(escape).join('|')})`)
const OTHERS = new RegExp(DRAFTS.filter((d) => !d.prefixes).map((d) => d.rule.hint.source).join('|'))

/** The provider rules, each behind the gate its hint belongs to. */
export const PROVIDER_RULES: readonly RedactionRule[] = DRAFTS.map((d) => ({ ...d.rule, gate: d.prefixes ? SEPARATED : OTHERS }))

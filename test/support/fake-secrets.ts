// Fake secrets for redaction tests, assembled at run time from a seeded generator: no secret-shaped literal sits
// in the source (secret scanners would flag it, and push protection would refuse the commit), and every run sees
// the same values. Each provider case pairs a realistic sample with near-misses that must stay untouched.

export const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
export const LOWER = 'abcdefghijklmnopqrstuvwxyz'
export const DIGITS = '0123456789'
export const HEX = '0123456789abcdef'
export const ALNUM = UPPER + LOWER + DIGITS
export const B64URL = ALNUM + '_-'
export const B64 = ALNUM + '+/'

/** A deterministic generator of random-looking strings. */
export function fakeSecrets(seed = 42) {
  // mulberry32: small, and random enough that generated keys look like real ones (no short cycles).
  const next = (): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = (alphabet: string, length: number): string => {
    let out = ''
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)]
    return out
  }
  return {
    pick,
    /** Mixed case with a digit guaranteed, like real keys. */
    mixed: (n: number) => 'aZ7' + pick(ALNUM, n - 3),
    hex: (n: number) => '7f' + pick(HEX, n - 2),
    /** 40 base64 characters with every class present, like an AWS secret access key. */
    awsSecret: () => 'k9Q/' + pick(B64, 36),
    awsKeyId: () => 'AKIA' + 'Q' + pick(UPPER + DIGITS, 14) + '7',
  }
}

/** One provider's token: a sample that must be redacted as `kind`, and look-alikes that must not be touched. */
export interface ProviderCase {
  kind: string
  sample: string
  nearMisses: string[]
  /** False for formats recognised by their context rather than as a free-standing word. */
  standalone?: boolean
  /** What the sample becomes, when only part of it is the secret; default `[REDACTED:<kind>]`. */
  redacted?: string
}

// The prefixes are split so the source holds no complete token prefix followed by a body.
const p = (...parts: string[]) => parts.join('')

/** Realistic samples for every provider format, with near-misses. */
export function providerCases(seed = 7): ProviderCase[] {
  const { pick, mixed, hex } = fakeSecrets(seed)
  return [
    { kind: 'stripe_key', sample: p('sk', '_test_') + mixed(24),
      nearMisses: [p('task', '_test_') + mixed(24), p('sk', '_test_') + 'x'.repeat(24), p('sk', '_test_YOUR_KEY_HERE'), 'sk_test_' + mixed(8)] },
    { kind: 'stripe_key', sample: p('rk', '_live_') + mixed(99), nearMisses: [p('pk', '_live_') + mixed(24)] },
    { kind: 'stripe_webhook_secret', sample: p('wh', 'sec_') + mixed(32),
      nearMisses: [p('wh', 'sec_') + '...', p('wh', 'sec_') + 'x'.repeat(32), p('wh', 'sec_') + 'your_signing_secret_goes_here1', 'whsec_prefix'] },
    { kind: 'gitlab_token', sample: p('gl', 'pat-') + mixed(20),
      nearMisses: [p('gl', 'pat-') + 'x'.repeat(20), p('gl', 'pat-') + 'your-personal-access-token', p('gl', 'pat-') + 'abcdefghijklmnopqrst', 'glpat-' + mixed(12)] },
    { kind: 'gitlab_token', sample: p('gl', 'pat-') + mixed(27) + '.01.' + pick(LOWER + DIGITS, 9), nearMisses: [] },
    { kind: 'gitlab_token', sample: p('gl', 'rt-') + mixed(20), nearMisses: [] },
    { kind: 'huggingface_token', sample: p('h', 'f_') + 'Qx' + pick(UPPER + LOWER, 32),
      nearMisses: ['hf_hub_download', p('h', 'f_') + 'servingcellpriorityparametersdescr', 'HF_TOKEN', p('h', 'f_') + 'x'.repeat(34)] },
    { kind: 'npm_token', sample: p('np', 'm_') + mixed(36),
      nearMisses: ['npm_config_registry', '$npm_package_version', p('np', 'm_') + 'x'.repeat(36), p('np', 'm_') + mixed(20)] },
    { kind: 'sendgrid_key', sample: p('S', 'G.') + pick(B64URL, 20) + 'a1.' + pick(B64URL, 43),
      nearMisses: ['SG.Properties.Resources', p('S', 'G.') + 'x'.repeat(22) + '.' + 'x'.repeat(43), 'USG.' + mixed(22) + '.' + mixed(43)] },
    { kind: 'square_token', sample: p('sq0', 'atp-') + mixed(22), nearMisses: [] },
    { kind: 'circleci_token', sample: p('CCI', 'PAT_') + mixed(22) + '_' + hex(40), nearMisses: [] },
    { kind: 'buildkite_token', sample: p('bk', 'ua_') + hex(40), nearMisses: [p('bk', 'ua_') + '0'.repeat(40)] },
    { kind: 'docker_token', sample: p('dckr', '_pat_') + mixed(27), nearMisses: [] },
    { kind: 'atlassian_token', sample: p('ATA', 'TT3') + mixed(180) + '=8A1B2C3D', nearMisses: [] },
    { kind: 'pypi_token', sample: p('pypi-', 'AgEIcHlwaS5vcmc') + pick(B64URL, 70), nearMisses: [p('pypi-', 'AgEIcHlwaS5vcmc')] },
    { kind: 'rubygems_token', sample: p('rubygems', '_') + hex(48), nearMisses: ['rubygems_version'] },
    { kind: 'nuget_key', sample: p('oy', '2') + pick(LOWER + DIGITS, 43), nearMisses: [] },
    { kind: 'ai_api_key', sample: p('pp', 'lx-') + mixed(48), nearMisses: [] },
    { kind: 'ai_api_key', sample: p('gs', 'k_') + mixed(52), nearMisses: [] },
    { kind: 'ai_api_key', sample: p('xa', 'i-') + mixed(80), nearMisses: ['xai-grok-beta'] },
    { kind: 'ai_api_key', sample: p('r', '8_') + mixed(37), nearMisses: [] },
    { kind: 'digitalocean_token', sample: p('dop', '_v1_') + hex(64), nearMisses: [p('dop', '_v1_') + '0'.repeat(64)] },
    { kind: 'databricks_token', sample: p('da', 'pi') + hex(32), nearMisses: [p('rapi', 'dapi') + hex(32)] },
    { kind: 'vault_token', sample: p('hv', 's.') + mixed(90), nearMisses: [] },
    { kind: 'terraform_token', sample: mixed(14) + p('.atlas', 'v1.') + mixed(67), nearMisses: [] },
    { kind: 'doppler_token', sample: p('dp', '.pt.') + mixed(43), nearMisses: [] },
    { kind: 'pulumi_token', sample: p('pu', 'l-') + hex(40), nearMisses: [] },
    { kind: 'flyio_token', sample: p('fo', '1_') + mixed(43), nearMisses: [] },
    { kind: 'planetscale_token', sample: p('pscale', '_tkn_') + mixed(43), nearMisses: [] },
    { kind: 'supabase_key', sample: p('sb', 'p_') + hex(40), nearMisses: [] },
    { kind: 'tailscale_key', sample: p('ts', 'key-auth-') + mixed(12) + 'CNTRL-' + mixed(33), nearMisses: [] },
    { kind: 'netlify_token', sample: p('nf', 'p_') + mixed(36), nearMisses: [] },
    { kind: 'heroku_key', sample: p('HR', 'KU-AA') + mixed(58), nearMisses: [] },
    { kind: 'artifactory_key', sample: p('AK', 'Cp') + mixed(69), nearMisses: [] },
    { kind: 'azure_client_secret', sample: 'xY9' + p('8', 'Q~') + mixed(34), nearMisses: [] },
    { kind: 'age_secret_key', sample: p('AGE-SECRET', '-KEY-1') + pick('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58), nearMisses: [] },
    { kind: 'mailgun_key', sample: p('ke', 'y-') + hex(32), nearMisses: [p('cache-', 'key-') + hex(32)] },
    { kind: 'mailchimp_key', sample: hex(32) + '-us14', nearMisses: [hex(32)] },
    { kind: 'twilio_key', sample: p('S', 'K') + hex(32), nearMisses: [p('AS', 'K') + hex(32), 'SK' + hex(31)] },
    { kind: 'sentry_token', sample: p('sntr', 'yu_') + hex(64), nearMisses: [] },
    { kind: 'newrelic_key', sample: p('NR', 'AK-') + pick(UPPER + DIGITS, 27), nearMisses: [] },
    { kind: 'dynatrace_token', sample: p('dt0', 'c01.') + pick(UPPER + DIGITS, 24) + '.' + pick(UPPER + DIGITS, 64), nearMisses: [] },
    { kind: 'grafana_token', sample: p('gl', 'sa_') + mixed(32) + '_' + hex(8), nearMisses: [] },
    { kind: 'linear_key', sample: p('lin', '_api_') + mixed(40), nearMisses: [] },
    { kind: 'notion_token', sample: p('nt', 'n_') + pick(DIGITS, 11) + mixed(35), nearMisses: [] },
    { kind: 'figma_token', sample: p('fi', 'gd_') + mixed(40), nearMisses: [] },
    { kind: 'postman_key', sample: p('PM', 'AK-') + hex(24) + '-' + hex(34), nearMisses: [] },
    { kind: 'contentful_token', sample: p('CF', 'PAT-') + mixed(43), nearMisses: [] },
    { kind: 'shopify_token', sample: p('shp', 'at_') + hex(32), nearMisses: [] },
    { kind: 'mapbox_secret_token', sample: p('sk', '.eyJ') + pick(B64URL, 80) + '.' + pick(B64URL, 22), nearMisses: [p('pk', '.eyJ') + pick(B64URL, 80) + '.' + pick(B64URL, 22)] },
    { kind: 'onepassword_token', sample: p('ops', '_eyJ') + pick(ALNUM, 300), nearMisses: [] },
    { kind: 'google_oauth_secret', sample: p('GOC', 'SPX-') + mixed(28), nearMisses: [] },
    { kind: 'google_oauth_token', sample: p('ya', '29.') + mixed(150), nearMisses: [] },
    { kind: 'slack_token', sample: p('xa', 'pp-1-') + 'A0' + pick(UPPER + DIGITS, 9) + '-' + pick(DIGITS, 13) + '-' + hex(64), nearMisses: [] },
    { kind: 'telegram_bot_token', sample: pick(DIGITS, 10) + p(':', 'AA') + mixed(33), standalone: false,
      nearMisses: ['12:34:56', pick(DIGITS, 10) + ':AA' + 'x'.repeat(33)] },
    { kind: 'azure_key', sample: p('Account', 'Key=') + pick(B64, 86) + '==', standalone: false,
      redacted: 'AccountKey=[REDACTED:azure_key]', nearMisses: ['AccountKey=' + 'x'.repeat(86) + '==', 'AccountKey=' + pick(B64, 20)] },
  ]
}

// Secrets recognised by their surroundings rather than a prefix of their own: an AWS secret key next to its key id
// or the word aws, passwords on a command line (mysql -p, curl -u, sshpass, redis-cli) and URL passwords that hold
// an unencoded `@`. Each has realistic samples and near-misses that must stay untouched.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { redactSecrets } from './index.ts'
import { B64, DIGITS, HEX, fakeSecrets } from '../../test/support/fake-secrets.ts'

const { pick, mixed, awsSecret, awsKeyId } = fakeSecrets(11)

function redactsTo(input: string, expected: string, kinds: Record<string, number>): void {
  const result = redactSecrets(input)
  assert.equal(result.text, expected)
  assert.deepEqual(result.kinds, kinds)
}

function untouched(text: string): void {
  const result = redactSecrets(text)
  assert.equal(result.text, text, `should not redact: ${text}`)
  assert.equal(result.count, 0)
}

describe('redactSecrets: AWS secret access keys', () => {
  const id = awsKeyId()
  const secret = awsSecret()
  const both = { aws_access_key: 1, aws_secret_key: 1 }

  it('has a realistic sample: 40 base64 characters', () => {
    assert.match(secret, /^[A-Za-z0-9+/]{40}$/)
  })

  it('redacts a secret key in a table row next to its key id', () => {
    redactsTo(`| ana | ${id} | ${secret} | 2024-05-01 |`, '| ana | [REDACTED:aws_access_key] | [REDACTED:aws_secret_key] | 2024-05-01 |', both)
    redactsTo(`User name,Password,Access key ID,Secret access key\nana,,${id},${secret}`,
      'User name,Password,Access key ID,Secret access key\nana,,[REDACTED:aws_access_key],[REDACTED:aws_secret_key]', both)
    // The key before the id works too.
    redactsTo(`${secret}\t${id}`, '[REDACTED:aws_secret_key]\t[REDACTED:aws_access_key]', both)
  })

  it('redacts a secret key next to the word aws, without an id', () => {
    redactsTo(`AWS Secret Access Key [None]: ${secret}\nDefault region name [None]: eu-west-1`,
      'AWS Secret Access Key [None]: [REDACTED:aws_secret_key]\nDefault region name [None]: eu-west-1', { aws_secret_key: 1 })
    redactsTo(`boto3.client("s3", aws_secret_access_key="${secret}")`, 'boto3.client("s3", aws_secret_access_key="[REDACTED:aws_secret_key]")', { aws_secret_key: 1 })
  })

  it('redacts a credentials file inside a JSON line and keeps the JSON valid', () => {
    const stdout = `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`
    const result = redactSecrets(JSON.stringify({ toolUseResult: { stdout } }))
    assert.deepEqual(result.kinds, both)
    assert.equal(JSON.parse(result.text).toolUseResult.stdout,
      '[default]\naws_access_key_id = [REDACTED:aws_access_key]\naws_secret_access_key = [REDACTED:aws_secret_key]\n')
  })

  it('redacts a DuckDB CREATE SECRET statement', () => {
    redactsTo(`CREATE SECRET s3 (TYPE S3, KEY_ID '${id}', SECRET '${secret}', REGION 'us-east-1')`,
      "CREATE SECRET s3 (TYPE S3, KEY_ID '[REDACTED:aws_access_key]', SECRET '[REDACTED:aws_secret_key]', REGION 'us-east-1')", both)
  })

  it('leaves a 40-character random string alone when nothing around it says AWS', () => {
    untouched(`| ana | ${secret} | 2024-05-01 |`)
    untouched(`cursor: ${secret}`)
  })

  it('leaves a secret-like string alone when the id is further than 200 characters away', () => {
    const text = `${id} ${'lorem ipsum '.repeat(20)} ${secret}`
    redactsTo(text, text.replace(id, '[REDACTED:aws_access_key]'), { aws_access_key: 1 })
  })

  it('leaves hashes, UUIDs and other base64 next to an AKIA id alone', () => {
    const sha1 = pick(HEX, 40)
    const sha1Upper = sha1.toUpperCase()
    const uuid = '1af7fc5e-8455-4414-9ccd-011d40f70b2a'
    const sha256b64 = Buffer.from(pick(HEX, 32), 'hex').toString('base64') // 44 characters with padding
    const longB64 = pick(B64, 64)
    const midRun = pick(B64, 20) + secret + pick(B64, 20) // 40 characters inside a longer run
    for (const neighbour of [sha1, sha1Upper, uuid, sha256b64, longB64, midRun, `etag ${pick(DIGITS, 40)}`]) {
      const text = `aws s3api head-object: ${id} ${neighbour} done`
      redactsTo(text, text.replace(id, '[REDACTED:aws_access_key]'), { aws_access_key: 1 })
    }
  })

  it('leaves identifiers, paths and documentation examples next to the word aws alone', () => {
    untouched('aws: AwsS3BucketConfigurationProviderFactory1 created')
    untouched('aws lambda: see src/aws/handlers/UploadHandlerFactory23x here')
    untouched('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')
  })
})

describe('redactSecrets: passwords on a command line', () => {
  const password = 'S3cr' + pick(DIGITS, 2) + '!x' + mixed(4)

  it('redacts mysql -p<password>, keeping the rest of the command', () => {
    redactsTo(`mysql -h db.internal -u root -p${password} analytics < dump.sql`,
      'mysql -h db.internal -u root -p[REDACTED:cli_password] analytics < dump.sql', { cli_password: 1 })
    redactsTo(`mysqldump -uroot -p'${password} x' shop; echo ok`, "mysqldump -uroot -p'[REDACTED:cli_password]' shop; echo ok", { cli_password: 1 })
    redactsTo(`docker exec db mysql -uroot -p${password}; ls`, 'docker exec db mysql -uroot -p[REDACTED:cli_password]; ls', { cli_password: 1 })
    redactsTo('mysql --password=abc1 -u root', 'mysql --password=[REDACTED:cli_password] -u root', { cli_password: 1 })
  })

  it('redacts mysql -p inside a JSON-encoded command and keeps the JSON valid', () => {
    const line = JSON.stringify({ input: { command: `mysql -u app -p"${password}" -e "select 1"` } })
    const result = redactSecrets(line)
    assert.equal(JSON.parse(result.text).input.command, 'mysql -u app -p"[REDACTED:cli_password]" -e "select 1"')
  })

  it('redacts commands that start a line of a JSON-encoded script', () => {
    const script = `set -e\nmysql -uroot -p${password} shop\ncurl -u svc:${password} https://x\nsshpass -p ${password} ssh h`
    const result = redactSecrets(JSON.stringify({ input: { command: script } }))
    assert.equal(JSON.parse(result.text).input.command,
      'set -e\nmysql -uroot -p[REDACTED:cli_password] shop\ncurl -u svc:[REDACTED:cli_password] https://x\nsshpass -p [REDACTED:cli_password] ssh h')
    assert.deepEqual(result.kinds, { cli_password: 3 })
  })

  it('leaves mysql -p without a password (a prompt), ports and placeholders alone', () => {
    untouched('mysql -u root -p analytics')
    untouched('mysql -h 127.0.0.1 -P 3306 -u root -p')
    untouched('mysql -u root -p$MYSQL_PWD shop')
    untouched('mysql -u root -p<password> shop')
    untouched('docker run --name mysql -p3306:3306 mysql:8')
    untouched('pip install mysql-connector -pre')
  })

  it('redacts curl -u user:<password> and keeps the user', () => {
    redactsTo(`curl -u admin:${password} https://api.internal/v1`, 'curl -u admin:[REDACTED:cli_password] https://api.internal/v1', { cli_password: 1 })
    redactsTo(`curl -s --user "ana@example.com:${password} two" https://x`, 'curl -s --user "ana@example.com:[REDACTED:cli_password]" https://x', { cli_password: 1 })
    redactsTo(`curl --user=ana:${password} https://x`, 'curl --user=ana:[REDACTED:cli_password] https://x', { cli_password: 1 })
    redactsTo(`curl -uana:${password} https://x`, 'curl -uana:[REDACTED:cli_password] https://x', { cli_password: 1 })
    const line = JSON.stringify({ input: { command: `curl -X POST \\\n  -u 'svc:${password}' \\\n  https://x` } })
    assert.equal(JSON.parse(redactSecrets(line).text).input.command, "curl -X POST \\\n  -u 'svc:[REDACTED:cli_password]' \\\n  https://x")
  })

  it('leaves curl -u without a password, with variables or placeholders, and -u of other tools alone', () => {
    untouched('curl -u admin: https://api.internal/v1')
    untouched('curl -u "$API_USER:$API_PASSWORD" https://x')
    untouched('curl -u <user>:<password> https://x')
    untouched('curl -u user:password https://x')
    untouched('git push -u origin main:main')
    untouched('curl https://x | sort -u a:b1c2d3')
  })

  it('redacts sshpass -p and redis-cli -a', () => {
    redactsTo(`sshpass -p '${password}' ssh deploy@host`, "sshpass -p '[REDACTED:cli_password]' ssh deploy@host", { cli_password: 1 })
    redactsTo(`redis-cli -h cache -a ${password} ping`, 'redis-cli -h cache -a [REDACTED:cli_password] ping', { cli_password: 1 })
    untouched('sshpass -p $PASS ssh host')
  })
})

describe('redactSecrets: URL passwords', () => {
  it('redacts a password holding an unencoded @ and keeps user and host', () => {
    redactsTo('postgres://analyst:p@ss@word1@db.internal:5432/warehouse',
      'postgres://analyst:[REDACTED:url_password]@db.internal:5432/warehouse', { url_password: 1 })
    redactsTo('mongodb://app:Xy7@#z@mongo-1,mongo-2/x', 'mongodb://app:[REDACTED:url_password]@mongo-1,mongo-2/x', { url_password: 1 })
    redactsTo('https://ana@example.com:Hunt3r@2024@git.internal/repo.git',
      'https://ana@example.com:[REDACTED:url_password]@git.internal/repo.git', { url_password: 1 })
    redactsTo('redis://:%40bc123@cache:6379', 'redis://:[REDACTED:url_password]@cache:6379', { url_password: 1 })
  })

  it('leaves URLs without a password alone', () => {
    untouched('https://cdn.jsdelivr.net/npm/pkg@1.2.3/dist/index.js')
    untouched('git clone git@github.com:org/repo.git')
    untouched('https://user@host.example/path@v2')
    untouched('https://example.com:8443/@scope/pkg@1.0.0')
    untouched('https://example.com/?email=ana@example.com&x=1')
    untouched('postgres://user:password@localhost/db')
  })
})

describe('redactSecrets: tokens recognised by their place', () => {
  it('redacts a Telegram bot token inside the Bot API URL', () => {
    const token = pick(DIGITS, 10) + ':AA' + mixed(33)
    redactsTo(`curl https://api.telegram.org/bot${token}/getMe`, 'curl https://api.telegram.org/bot[REDACTED:telegram_bot_token]/getMe', { telegram_bot_token: 1 })
  })

  it('redacts the secret part of a Discord webhook and keeps its id', () => {
    const id = pick(DIGITS, 18)
    redactsTo(`https://discord.com/api/webhooks/${id}/${mixed(68)}`, `https://discord.com/api/webhooks/${id}/[REDACTED:discord_webhook]`, { discord_webhook: 1 })
  })
})

describe('redactSecrets keeps JSON valid around context-recognised secrets', () => {
  it('never breaks JSON on random mixes of these secrets, quotes, backslashes and escapes', () => {
    const pieces = [awsKeyId(), awsSecret(), 'aws ', 'mysql -u r -p', 'curl -u a:', 'sshpass -p ', 'postgres://u:', 'p@ss', '@h/x',
      mixed(12), '"', '\\', '\\n', '\n', "'", ' ', ':', '|', ';', '}', 'é', '\u2028', 'https://api.telegram.org/bot', '1234567890:AA' + mixed(33)]
    for (let round = 0; round < 3000; round++) {
      let text = ''
      const n = 1 + (round % 11)
      for (let i = 0; i < n; i++) text += pieces[Number.parseInt(pick(DIGITS, 3), 10) % pieces.length]
      const value = round % 2 ? { text } : { outer: JSON.stringify({ text }) }
      const parsed = JSON.parse(redactSecrets(JSON.stringify(value)).text)
      assert.deepEqual(Object.keys(parsed), Object.keys(value))
      if ('outer' in parsed) assert.deepEqual(Object.keys(JSON.parse(parsed.outer)), ['text'])
      else assert.equal(typeof parsed.text, 'string')
    }
  })
})

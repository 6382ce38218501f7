/**
 * Realistic but fake credentials of 40 formats, built at run time (never stored as literals, so
 * repository secret scanners have nothing to flag). `value` is what must never appear anywhere;
 * `line` is how it shows up in real text (config, logs, headers, prose).
 */
export interface SecretSample {
  format: string;
  value: string;
  line: string;
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';

function chars(seed: number, alphabet: string, length: number): string {
  let state = seed * 7919 + 17;
  let out = '';
  for (let i = 0; i < length; i += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += alphabet[state % alphabet.length];
  }
  return out;
}

const pem = (kind: string, seed: number): string =>
  [`-----BEGIN ${kind}-----`, chars(seed, ALNUM, 64), chars(seed + 1, ALNUM, 64), `${chars(seed + 2, ALNUM, 40)}==`, `-----END ${kind}-----`].join('\n');

export function secretSamples(): SecretSample[] {
  const s = (format: string, value: string, line: (v: string) => string): SecretSample => ({ format, value, line: line(value) });
  return [
    s('openai project key', ['sk', 'proj', chars(1, ALNUM, 48)].join('-'), (v) => `OPENAI_API_KEY=${v}`),
    s('openai legacy key', `sk-${chars(2, ALNUM, 48)}`, (v) => `client configured with ${v} for the summariser`),
    s('anthropic key', ['sk', 'ant', 'api03', chars(3, ALNUM, 80)].join('-'), (v) => `x-api-key: ${v}`),
    s('aws access key id', `AKIA${chars(4, UPPER + DIGITS, 16)}`, (v) => `aws_access_key_id = ${v}`),
    s('aws secret access key', `${chars(5, ALNUM, 30)}/${chars(6, ALNUM, 9)}`, (v) => `aws_secret_access_key = ${v}`),
    s('github classic token', `ghp_${chars(7, ALNUM, 36)}`, (v) => `git clone https://x:${v}@github.com/civicos/site.git`),
    s('github fine-grained token', `github_pat_${chars(8, ALNUM, 22)}_${chars(9, ALNUM, 59)}`, (v) => `GH_TOKEN ${v} rotated`),
    s('gitlab token', `glpat-${chars(10, ALNUM, 20)}`, (v) => `PRIVATE-TOKEN: ${v}`),
    s('slack bot token', `xoxb-${chars(11, DIGITS, 12)}-${chars(12, DIGITS, 13)}-${chars(13, ALNUM, 24)}`, (v) => `slack client using ${v}`),
    s('slack webhook url', `https://hooks.slack.com/services/T${chars(14, UPPER + DIGITS, 8)}/B${chars(15, UPPER + DIGITS, 10)}/${chars(16, ALNUM, 24)}`, (v) => `alerts posted to ${v}`),
    s('discord webhook url', `https://discord.com/api/webhooks/${chars(17, DIGITS, 18)}/${chars(18, ALNUM, 68)}`, (v) => `notify ${v}`),
    s('google api key', `AIza${chars(19, ALNUM, 35)}`, (v) => `maps key ${v} in the events page`),
    s('google oauth client secret', `GOCSPX-${chars(20, ALNUM, 28)}`, (v) => `{"client_id":"x.apps.googleusercontent.com","installed":"${v}"}`),
    s('stripe live secret key', ['sk', 'live', chars(21, ALNUM, 24)].join('_'), (v) => `stripe charge failed with key ${v}`),
    s('stripe webhook secret', `whsec_${chars(22, ALNUM, 32)}`, (v) => `endpoint secret ${v}`),
    s('twilio api key', `SK${chars(23, HEX, 32)}`, (v) => `sms via twilio key ${v}`),
    s('sendgrid api key', `SG.${chars(24, ALNUM, 22)}.${chars(25, ALNUM, 43)}`, (v) => `mail relay auth ${v}`),
    s('mailgun api key', `key-${chars(26, HEX, 32)}`, (v) => `mailgun ${v}`),
    s('npm token', `npm_${chars(27, ALNUM, 36)}`, (v) => `//registry.npmjs.org/:_authToken=${v}`),
    s('pypi token', `pypi-AgEIcHlwaS5vcmc${chars(28, ALNUM, 70)}`, (v) => `twine upload with ${v}`),
    s('hugging face token', `hf_${chars(29, ALNUM, 34)}`, (v) => `HF hub download using ${v}`),
    s('telegram bot token', `${chars(30, '123456789', 9)}:AA${chars(31, ALNUM, 33)}`, (v) => `bot ${v} posting to the volunteers channel`),
    s('shopify access token', `shpat_${chars(32, HEX, 32)}`, (v) => `merch shop token ${v}`),
    s('digitalocean token', `dop_v1_${chars(33, HEX, 64)}`, (v) => `droplet api ${v}`),
    s('databricks token', `dapi${chars(34, HEX, 32)}`, (v) => `warehouse ${v}`),
    s('groq key', `gsk_${chars(35, ALNUM, 52)}`, (v) => `fallback cloud key ${v}`),
    s('notion token', `ntn_${chars(36, ALNUM, 46)}`, (v) => `wiki sync ${v}`),
    s('linear api key', `lin_api_${chars(37, ALNUM, 40)}`, (v) => `issue bot ${v}`),
    s('square access token', `sq0atp-${chars(38, ALNUM, 22)}`, (v) => `pos token ${v}`),
    s('age secret key', `AGE-SECRET-KEY-1${chars(39, UPPER + DIGITS, 58)}`, (v) => `backup encryption ${v}`),
    s('jwt', `eyJhbGciOiJIUzI1NiJ9.${chars(40, ALNUM, 40)}.${chars(41, ALNUM, 43)}`, (v) => `session cookie ${v}`),
    s('bearer token header', chars(42, ALNUM, 40), (v) => `Authorization: Bearer ${v}`),
    s('bearer token in prose', `${chars(43, ALNUM, 30)}9`, (v) => `retry the call with bearer ${v} please`),
    s('basic auth header', Buffer.from(`svc-${chars(44, LOWER, 6)}:${chars(45, ALNUM, 14)}`).toString('base64'), (v) => `Authorization: Basic ${v}`),
    s('rsa private key', pem('RSA PRIVATE KEY', 45), (v) => `deploy key:\n${v}`),
    s('openssh private key', pem('OPENSSH PRIVATE KEY', 48), (v) => v),
    s('password in url', chars(51, ALNUM, 18), (v) => `DATABASE_URL=postgres://civicos:${v}@db.example.org:5432/crm`),
    s('password assignment', `${chars(52, ALNUM, 14)}!`, (v) => `smtp password=${v} (rotate monthly)`),
    s('api key env var', chars(53, HEX, 32), (v) => `DD_API_KEY=${v}`),
    s('json client secret', chars(54, ALNUM, 40), (v) => `{"client_secret": "${v}"}`),
    s('azure storage key', `${chars(55, ALNUM, 86)}==`, (v) => `DefaultEndpointsProtocol=https;AccountName=civicos;AccountKey=${v};EndpointSuffix=core.windows.net`),
  ];
}

/**
 * The same kind of secrets hidden the ways real text hides them: percent-encoded (once, twice),
 * JSON-escaped (`\/`), next to `_` (Markdown emphasis, `…_old` suffixes), and as values of
 * secret-named keys in JSON, Python/JS dicts and YAML whatever the value looks like.
 */
export function secretVariants(): SecretSample[] {
  const s = (format: string, value: string, line: (v: string) => string): SecretSample => ({ format, value, line: line(value) });
  const ghp = `ghp_${chars(60, ALNUM, 36)}`;
  const akia = `AKIA${chars(61, UPPER + DIGITS, 16)}`;
  const hook = `https://hooks.slack.com/services/T${chars(64, UPPER + DIGITS, 8)}/B${chars(65, UPPER + DIGITS, 10)}/${chars(66, ALNUM, 24)}`;
  const bearer = chars(67, ALNUM, 40);
  return [
    s('percent-encoded api_key in a query', chars(70, HEX, 32), (v) => `GET /cb?cfg=${encodeURIComponent(JSON.stringify({ api_key: v }))} 200`),
    s('percent-encoded Authorization header', bearer, (v) => `trace: headers=${encodeURIComponent(`Authorization: Bearer ${v}`)}`),
    s('twice percent-encoded password in url', chars(71, ALNUM, 16), (v) => `redirect_to=${encodeURIComponent(encodeURIComponent(`postgres://app:${v}@db.example.org/crm`))}`),
    s('percent-encoded private key', pem('RSA PRIVATE KEY', 72), (v) => `key=${encodeURIComponent(v)}`),
    s('percent-encoded slack webhook', hook, (v) => `target=${encodeURIComponent(v)}`),
    s('JSON-escaped slack webhook', `${chars(73, ALNUM, 24)}`, (v) => JSON.stringify({ url: `https://hooks.slack.com/services/T0AB12CD3/B0EF45GH67/${v}` }).replaceAll('/', '\\/')),
    s('JSON-escaped password in url', chars(81, ALNUM, 18), (v) => JSON.stringify({ dsn: `postgres://app:${v}@db.example.org/crm` }).replaceAll('/', '\\/')),
    s('JSON-escaped discord webhook', chars(74, ALNUM, 68), (v) => `{"hook":"https:\\/\\/discord.com\\/api\\/webhooks\\/${chars(75, DIGITS, 18)}\\/${v}"}`),
    s('aws key in Markdown emphasis', akia, (v) => `rotate _${v}_ today`),
    s('aws key with _old suffix', akia, (v) => `AWS_ACCESS_KEY_ID_OLD=${v}_old`),
    s('github token after an underscore', ghp, (v) => `export token_${v}`),
    s('twilio key with _backup suffix', `SK${chars(76, HEX, 32)}`, (v) => `sms ${v}_backup`),
    s('hugging face token in bold', `hf_${chars(77, ALNUM, 34)}`, (v) => `use __${v}__ for the hub`),
    s('mailgun key with _v2 suffix', `key-${chars(78, HEX, 32)}`, (v) => `mailgun ${v}_v2`),
    s('npm token in emphasis', `npm_${chars(79, ALNUM, 36)}`, (v) => `publish with _${v}_`),
    s('JSON password of plain words', 'correct horse battery staple', (v) => JSON.stringify({ user: 'ops', password: v })),
    s('Python dict api_key of letters', 'abcdefghijkl', (v) => `config = {'api_key': '${v}', 'region': 'eu'}`),
    s('JS object secret', 'letmeinplease', (v) => `{ clientSecret: 'x', secret: "${v}" }`),
    s('YAML quoted password', 'Summer2026!', (v) => `db:\n  password: "${v}"`),
    s('nested JSON string with a token', chars(80, ALNUM, 24), (v) => JSON.stringify({ body: JSON.stringify({ refresh_token: v }) })),
  ];
}

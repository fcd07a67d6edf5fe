// The console in headless Chromium (playwright-core, Debian's /usr/bin/chromium) through the
// real HTTPS gateway, with the development PKI's client certificates (tests/console/
// console_test.sh stages the gateway and the scenario). What each view must show is computed
// here from the scenario, the answers its hospital got to its claims, and (the sandbox) the
// JSON route itself — never from the console's own code. One screenshot per view.
'use strict';

const fs = require('fs');
const https = require('https');
const path = require('path');
const {chromium} = require('playwright-core');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const treatingUrl = env('MEDCLEAR_CONSOLE_310000');
const insuredUrl = env('MEDCLEAR_CONSOLE_610000');
const pki = env('MEDCLEAR_PKI');
const scenario = JSON.parse(fs.readFileSync(env('MEDCLEAR_SCENARIO'), 'utf8'));
const shots = env('MEDCLEAR_SCREENSHOTS');

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}

// Exact money: "18680.67" or 18680.67 → 1868067n fen; and back.
function fen(value) {
  const text = String(value);
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) throw new Error(`not an amount: ${text}`);
  const f = BigInt(m[2]) * 100n + BigInt((m[3] || '0').padEnd(2, '0'));
  return m[1] ? -f : f;
}
function yuan(f) {
  const sign = f < 0n ? '-' : '';
  const a = f < 0n ? -f : f;
  return `${sign}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}
const provinceOf = (division) => division.slice(0, 2) + '0000';

// ---- what the scenario must show --------------------------------------------------------------

const claims = fs.readdirSync(env('MEDCLEAR_CLAIMS')).sort().map((name) => ({
  request: JSON.parse(fs.readFileSync(path.join(env('MEDCLEAR_CLAIMS'), name), 'utf8')),
  answer: JSON.parse(fs.readFileSync(path.join(env('MEDCLEAR_ANSWERS'), name), 'utf8')),
}));
// What an insured region owes the treating one for a claim: what its funds paid and what the
// person's account paid (both leave the insured region).
const expected = {payable: {}, funds: {}, claims: {}, person4: [], person4Bills: 0n};
for (const {request, answer} of claims) {
  const insured = provinceOf(request.insuplc_admdvs);
  const setl = answer.output.setlinfo;
  expected.payable[insured] =
    (expected.payable[insured] || 0n) + fen(setl.fund_pay_sumamt) + fen(setl.acct_pay);
  expected.funds[insured] = (expected.funds[insured] || 0n) + fen(setl.fund_pay_sumamt);
  expected.claims[insured] = (expected.claims[insured] || 0) + 1;
  if (request.input.data.psn_no === '61000000000000000004') {
    expected.person4.push(setl.setl_id);
    expected.person4Bills += fen(request.input.data.medfee_sumamt);
  }
}
const insuredRegions = Object.keys(expected.payable).sort();
const receivableTotal = insuredRegions.reduce((s, r) => s + expected.payable[r], 0n);
const firstClaim = claims[0];

// The draft for the sandbox: the policy of 610100/390 in force, its inpatient ratio at level-3
// hospitals raised from 0.7000 to 0.8000.
const policy = scenario.policies.find((p) => p.admdvs === '610100' && p.insutype === '390');
const draft = JSON.parse(JSON.stringify(policy));
draft.inpatient.ratio['3'] = '0.8000';

// A JSON route with a client certificate, outside the browser.
function route(base, who, method, route, body) {
  return new Promise((resolve, reject) => {
    const url = new URL(route, base);
    const request = https.request(url, {
      method,
      ca: fs.readFileSync(path.join(pki, 'ca.pem')),
      cert: fs.readFileSync(path.join(pki, `${who}.pem`)),
      key: fs.readFileSync(path.join(pki, `${who}.key`)),
    }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve({status: response.statusCode, text,
        headers: response.headers}));
    });
    request.on('error', reject);
    if (body) request.write(body);
    request.end();
  });
}

// ---- the browser ------------------------------------------------------------------------------

async function open(browser, base, who) {
  const context = await browser.newContext({
    clientCertificates: [{origin: base, certPath: path.join(pki, `${who}.pem`),
      keyPath: path.join(pki, `${who}.key`)}],
    ignoreHTTPSErrors: true,  // the gateway's certificate is the dev CA's (curl checks it above)
    viewport: {width: 1280, height: 900},
  });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(`console: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(base + '/')) {
      page.problems.push(`a request outside the gateway: ${request.url()}`);
    }
  });
  return {context, page};
}

async function view(page, base, hash, name) {
  await page.goto(`${base}/console/#${hash}`);
  await page.waitForSelector(`#view[data-view="${name}"][data-state="ready"], ` +
    `#view[data-view="${name}"][data-state="error"]`, {timeout: 30000});
  const state = await page.getAttribute('#view', 'data-state');
  check(state === 'ready', `${name} view loads (${state}: ` +
    `${state === 'ready' ? '' : await page.textContent('#view .error')})`);
}

async function shot(page, name) {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  console.log(`screenshot ${file}`);
}

const cell = (page, selector) => page.textContent(selector).then((t) => (t || '').trim());

async function regulator(browser) {
  const {context, page} = await open(browser, treatingUrl, 'regulator');
  // Balances: 310000's receivable from each insured region is what their claims' funds paid.
  await view(page, treatingUrl, 'balances', 'balances');
  for (const r of insuredRegions) {
    const row = `#positions tr[data-counterparty="${r}"]`;
    check(await cell(page, `${row} [data-key="receivable"]`) === yuan(expected.payable[r]),
      `balances: 310000 receivable from ${r} is ${yuan(expected.payable[r])}`);
    check(await cell(page, `#flows tr[data-from="${r}"][data-to="310000"] [data-key="amount"]`) ===
      yuan(expected.payable[r]), `flows: ${r} → 310000 is ${yuan(expected.payable[r])}`);
  }
  check(await cell(page, '#positions tr[data-counterparty="total"] [data-key="net"]') ===
    yuan(receivableTotal), `balances: 310000 net ${yuan(receivableTotal)}`);
  check((await page.textContent('#who')).includes('上海市 Shanghai'), 'province names: 上海市 Shanghai');
  await shot(page, 'balances-regulator');

  // A claim's timeline.
  const msgid = firstClaim.request.msgid;
  await view(page, treatingUrl, `claim?msgid=${msgid}`, 'claim');
  check(await cell(page, '#claim-facts [data-key="setl_id"]') ===
    firstClaim.answer.output.setlinfo.setl_id, `claim ${msgid}: its setl_id`);
  check(await page.$('#steps tr[data-step="settled"]') !== null &&
    await page.$('#steps tr[data-step="answered"]') !== null, `claim ${msgid}: settled, answered`);
  await shot(page, 'claim-timeline');

  // The day's statements: one per insured region, balanced, its claims counted on both sides.
  await view(page, treatingUrl, 'reconciliation?day=2026-03-15', 'reconciliation');
  for (const r of insuredRegions) {
    const row = `#statements tr[data-id="2026-03-15/${r}-310000"]`;
    check(await cell(page, `${row} [data-key="balanced"]`) === 'balanced' &&
      await cell(page, `${row} [data-key="insured_claims"]`) === String(expected.claims[r]) &&
      await cell(page, `${row} [data-key="treating_claims"]`) === String(expected.claims[r]),
    `reconciliation 2026-03-15 ${r}-310000: balanced, ${expected.claims[r]} claims each side`);
  }
  await shot(page, 'reconciliation');

  // March's clearing of 610000: its pay-in is its claims' funds, drawn on a prepayment of 100.00.
  await page.selectOption('#region', '610000');
  await view(page, treatingUrl, 'clearing?period=2026-03', 'clearing');
  await page.waitForFunction(() => document.querySelector('#view h3') &&
    document.querySelector('#view h3').textContent.includes('610000'));
  const payIn = expected.payable['610000'];
  const field = (k) => cell(page, `#position tr[data-field="${k}"] td`);
  check(await field('pay_in') === yuan(payIn), `clearing 2026-03 610000: pay-in ${yuan(payIn)}`);
  check(await field('prepayment drawn') === '100.00' &&
    await field('shortfall') === yuan(payIn - 10000n), `clearing: 100.00 drawn, shortfall ` +
    yuan(payIn - 10000n));
  check((await cell(page, '#clearing-flags')).includes('prepayment_overdrawn'),
    'clearing: flagged prepayment_overdrawn');
  await shot(page, 'clearing');

  // Anomaly flags: person 4's bills far above peers, with exactly its claims behind the flag.
  await view(page, treatingUrl, 'anomalies?from=2026-03-01&to=2026-03-31', 'anomalies');
  const flag = '#flags tr[data-kind="bills_far_above_peers"][data-subject="61000000000000000004"]';
  check(await page.$(flag) !== null, 'anomalies: bills_far_above_peers for person 4');
  if (await page.$(flag) !== null) {
    const shown = (await cell(page, `${flag} [data-key="claims"]`)).split(/\s+/).sort();
    check(JSON.stringify(shown) === JSON.stringify([...expected.person4].sort()),
      `anomalies: the claims behind it are ${expected.person4.join(' ')}`);
    check((await page.textContent(flag)).includes(`bills ${yuan(expected.person4Bills)}`),
      `anomalies: person 4's bills ${yuan(expected.person4Bills)}`);
  }
  check(await page.$('#flags tr[data-kind="prepayment_overdrawn"][data-subject="610000"]') !== null,
    'anomalies: prepayment_overdrawn for 610000');
  await shot(page, 'anomalies');

  // The sandbox: the page shows what POST /v1/sandbox answers, and its baseline is what the
  // claims' answers paid.
  const direct = await route(treatingUrl, 'regulator', 'POST', '/v1/sandbox?format=json',
    JSON.stringify(draft));
  check(direct.status === 200, `POST /v1/sandbox directly: ${direct.status}`);
  const sandbox = JSON.parse(direct.text);
  const funds = expected.funds['610000'];
  check(fen(sandbox.baseline.fund_pay_sumamt) === funds,
    `sandbox baseline: the funds paid for 610000's claims, ${yuan(funds)}`);
  check(fen(sandbox.delta.fund_pay_sumamt) > 0n, 'sandbox: a higher ratio costs the funds more');
  await view(page, treatingUrl, 'sandbox', 'sandbox');
  await page.fill('#draft', JSON.stringify(draft, null, 1));
  await page.click('#form-sandbox button');
  await page.waitForSelector('#sandbox-funds, #sandbox-result .error', {timeout: 60000});
  const row = '#sandbox-funds tr[data-field="fund_pay_sumamt"]';
  check(await cell(page, `${row} [data-key="baseline"]`) === sandbox.baseline.fund_pay_sumamt &&
    await cell(page, `${row} [data-key="delta"]`) === sandbox.delta.fund_pay_sumamt,
  `sandbox page: baseline ${sandbox.baseline.fund_pay_sumamt}, delta ` +
    sandbox.delta.fund_pay_sumamt);
  await shot(page, 'sandbox');
  check(page.problems.length === 0, `regulator: no script errors, nothing fetched elsewhere ` +
    `(${page.problems.join('; ')})`);
  await context.close();
}

// A bureau sees its own region only; the audit report's flags are for regulators.
async function bureau(browser) {
  const {context, page} = await open(browser, insuredUrl, 'bureau-610000');
  await view(page, insuredUrl, 'balances', 'balances');
  check(await cell(page, '#positions tr[data-counterparty="310000"] [data-key="payable"]') ===
    yuan(expected.payable['610000']), `bureau 610000: payable to 310000 ${
    yuan(expected.payable['610000'])}`);
  check(await page.$eval('#region', (s) => s.disabled && s.options.length === 1 &&
    s.value === '610000'), 'bureau 610000: no other region to choose');
  await shot(page, 'balances-bureau');
  await view(page, insuredUrl, 'clearing?period=2026-03', 'clearing');
  check(await cell(page, '#position tr[data-field="pay_in"] td') === yuan(expected.payable['610000']),
    'bureau 610000: its own clearing statement');
  await shot(page, 'clearing-bureau');
  await view(page, insuredUrl, 'anomalies', 'anomalies');
  check(await page.$('#regulators-only') !== null, 'bureau: the flags are for regulators');
  const other = await route(insuredUrl, 'bureau-610000', 'GET', '/v1/balances?region=440000');
  check(other.status === 403, `bureau 610000 asking for 440000's balances: ${other.status}`);
  check(page.problems.length === 0, `bureau: no script errors (${page.problems.join('; ')})`);
  await context.close();
}

// A hospital's certificate gets no console: 403 with the stable error JSON, and no page.
async function hospital(browser) {
  const {context, page} = await open(browser, treatingUrl, 'hospital-H31010400001');
  const response = await page.goto(`${treatingUrl}/console/`);
  const text = await response.text();
  check(response.status() === 403, `hospital: /console/ answered ${response.status()}`);
  check(JSON.parse(text).error === 'the console is for bureaus and regulators',
    `hospital: the error JSON ${text}`);
  check(await page.$('#view') === null, 'hospital: no console on the page');
  await shot(page, 'hospital-refused');
  for (const file of ['app.js', 'style.css']) {
    const asset = await route(treatingUrl, 'hospital-H31010400001', 'GET', `/console/${file}`);
    check(asset.status === 403, `hospital: /console/${file} answered ${asset.status}`);
  }
  await context.close();
}

// The files' headers, outside the browser.
async function headers() {
  const want = {'/console/': 'text/html; charset=utf-8',
    '/console/app.js': 'text/javascript; charset=utf-8',
    '/console/style.css': 'text/css; charset=utf-8'};
  for (const [file, type] of Object.entries(want)) {
    const r = await route(treatingUrl, 'regulator', 'GET', file);
    check(r.status === 200 && r.headers['content-type'] === type &&
      r.headers['x-content-type-options'] === 'nosniff' &&
      /default-src 'self'/.test(r.headers['content-security-policy'] || ''),
    `${file}: 200 ${type}, nosniff, Content-Security-Policy default-src 'self'`);
  }
  const page = (await route(treatingUrl, 'regulator', 'GET', '/console/')).text;
  check(!/<script>|<script [^>]*>[^<]/.test(page.replace(/<script src="[^"]*" defer><\/script>/, '')),
    'index.html: no inline script');
  const missing = await route(treatingUrl, 'regulator', 'GET', '/console/nothing.js');
  check(missing.status === 404, `/console/nothing.js: ${missing.status}`);
}

(async () => {
  await headers();
  const browser = await chromium.launch({executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update']});
  try {
    await regulator(browser);
    await bureau(browser);
    await hospital(browser);
  } finally {
    await browser.close();
  }
  console.log(failures === 0 ? 'console: all checks passed' : `${failures} failure(s)`);
  process.exit(failures === 0 ? 0 : 1);
})().catch((error) => {
  console.log(`FAIL ${error.stack || error}`);
  process.exit(1);
});

// The medclear console: one page, six views, each reading the gateway's JSON routes with the
// client certificate the browser presented. Plain JavaScript, nothing from outside this origin
// (the gateway's Content-Security-Policy allows only its own script and style). Amounts are the
// routes' own yuan strings, shown as they come: the console never adds money up.
'use strict';

(() => {
  const body = document.body;
  const me = {
    role: body.dataset.role,
    organisation: body.dataset.organisation,
    region: body.dataset.region,
    served: JSON.parse(body.dataset.served || '[]'),
    provinces: JSON.parse(body.dataset.provinces || '{}'),
  };
  const view = document.getElementById('view');
  const regionSelect = document.getElementById('region');
  const isRegulator = me.role === 'regulator';

  // ---- small helpers ----------------------------------------------------------------------

  // An element: el('td', {class: 'net', data: {key: 'x'}}, 'text', child…).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === 'data') {
        for (const [k, v] of Object.entries(value)) node.dataset[k] = v;
      } else if (name === 'class') {
        node.className = value;
      } else {
        node.setAttribute(name, value);
      }
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // "310000 上海市 Shanghai"; a division below a province also names its province.
  function regionLabel(code) {
    const own = me.provinces[code];
    if (own) return `${code} ${own[0]} ${own[1]}`;
    const province = me.provinces[String(code).slice(0, 2) + '0000'];
    return province ? `${code} (${province[0]} ${province[1]})` : String(code);
  }

  function table(headers, rows, attrs) {
    return el('table', attrs || {},
      el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))),
      el('tbody', {}, ...rows));
  }

  function amountCell(value, key) {
    return el('td', {class: 'amount', data: {key}}, value);
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function getJson(url, options) {
    const response = await fetch(url, Object.assign({credentials: 'same-origin'}, options || {}));
    const text = await response.text();
    let data;
    try {
      data = JSON.parse(text);
    } catch (e) {
      data = {error: text};
    }
    if (!response.ok) throw new ApiError(response.status, data.error || response.statusText);
    return data;
  }

  function showError(error) {
    const status = error.status ? `${error.status}: ` : '';
    view.append(el('p', {class: 'error', role: 'alert'}, status + error.message));
  }

  function params() {
    const hash = location.hash.slice(1);
    const question = hash.indexOf('?');
    return new URLSearchParams(question < 0 ? '' : hash.slice(question + 1));
  }

  function go(name, values) {
    const query = new URLSearchParams(values).toString();
    location.hash = '#' + name + (query ? '?' + query : '');
  }

  // A form of labelled inputs that goes to `name` with their values.
  function form(name, fields, button) {
    const current = params();
    const inputs = fields.map(([key, text, attrs]) =>
      el('input', Object.assign({name: key, id: `in-${key}`, value: current.get(key) || ''},
        attrs || {})));
    const f = el('form', {class: 'ask', id: `form-${name}`},
      ...fields.map(([key, text], i) => el('label', {}, text, ' ', inputs[i])),
      el('button', {type: 'submit'}, button));
    f.addEventListener('submit', (event) => {
      event.preventDefault();
      const values = {};
      for (const input of inputs) values[input.name] = input.value.trim();
      go(name, values);
    });
    return f;
  }

  function region() {
    return regionSelect.value || me.region;
  }

  function regionQuery() {
    return isRegulator ? `region=${encodeURIComponent(region())}` : '';
  }

  function yesterday() {
    const d = new Date(Date.now() - 86400000);
    return d.toISOString().slice(0, 10);
  }

  // A bar of `part` against `whole` (display only: widths, not money).
  function bar(part, whole) {
    const b = el('span', {class: 'bar'});
    const share = whole > 0 ? Math.min(100, Math.abs(part) * 100 / whole) : 0;
    b.style.width = share.toFixed(1) + '%';
    return el('div', {class: 'track'}, b);
  }

  // ---- views ------------------------------------------------------------------------------

  // Balances: the chosen region's positions against every other region; for a regulator also
  // the flows between all regions served here (what each insured region owes each treating one).
  async function balances() {
    const mine = await getJson('/v1/balances?' + regionQuery());
    view.append(el('h2', {}, 'Balances of ', regionLabel(mine.region)),
      el('p', {class: 'note'}, `as of ${mine.as_of}`));
    const rows = mine.positions.map((p) => el('tr', {data: {counterparty: p.counterparty}},
      el('td', {class: 'region'}, regionLabel(p.counterparty)),
      amountCell(p.receivable, 'receivable'), amountCell(p.payable, 'payable'),
      amountCell(p.net, 'net')));
    rows.push(el('tr', {class: 'total', data: {counterparty: 'total'}}, el('td', {}, 'total'),
      amountCell(mine.totals.receivable, 'receivable'), amountCell(mine.totals.payable, 'payable'),
      amountCell(mine.totals.net, 'net')));
    view.append(table(['counterpart', 'receivable', 'payable', 'net'], rows,
      {id: 'positions'}));
    const all = isRegulator ?
      await Promise.all(me.served.map((r) => getJson('/v1/balances?region=' + r))) : [mine];
    const flows = [];
    for (const b of all) {
      for (const p of b.positions) {
        if (Number(p.payable) !== 0) flows.push([b.region, p.counterparty, p.payable]);
        if (!isRegulator && Number(p.receivable) !== 0) {
          flows.push([p.counterparty, b.region, p.receivable]);
        }
      }
    }
    const largest = Math.max(0, ...flows.map((f) => Math.abs(Number(f[2]))));
    view.append(el('h2', {}, 'Flows: insured region → treating region'),
      table(['insured (pays)', 'treating (is paid)', 'amount', ''], flows.map(([from, to, amount]) =>
        el('tr', {data: {from, to}}, el('td', {class: 'region'}, regionLabel(from)),
          el('td', {class: 'region'}, regionLabel(to)), amountCell(amount, 'amount'),
          el('td', {class: 'chart'}, bar(Number(amount), largest)))), {id: 'flows'}));
  }

  async function claim() {
    view.append(el('h2', {}, 'A claim\'s timeline'),
      form('claim', [['msgid', 'msgid', {size: 32, required: '', pattern: '[0-9A-Za-z]{1,64}'}]],
        'Show'));
    const msgid = params().get('msgid');
    if (!msgid) return;
    const c = await getJson('/v1/claims/' + encodeURIComponent(msgid));
    const facts = [['msgid', c.msgid], ['infno', c.infno], ['hospital', c.fixmedins_code],
      ['treating region', regionLabel(c.treating_region)],
      ['insured region', c.insured_region ? regionLabel(c.insured_region) : '—'],
      ['setl_id', c.setl_id || '—']];
    view.append(el('dl', {id: 'claim-facts'}, ...facts.flatMap(([k, v]) =>
      [el('dt', {}, k), el('dd', {data: {key: k}}, v)])));
    view.append(table(['step', 'at (UTC)', 'detail', 'times'], c.steps.map((s) =>
      el('tr', {data: {step: s.step}}, el('td', {}, s.step), el('td', {}, s.at),
        el('td', {}, s.detail || ''), el('td', {}, s.count ? `${s.count} (last ${s.last_at})` : '1'))),
    {id: 'steps'}));
  }

  async function reconciliation() {
    if (!params().get('day')) return go('reconciliation', {day: yesterday()});
    view.append(el('h2', {}, 'Reconciliation statements'),
      form('reconciliation', [['day', 'business day', {type: 'date', required: ''}]], 'Show'));
    const day = params().get('day');
    const r = await getJson(`/v1/reconciliations?day=${encodeURIComponent(day)}&` + regionQuery());
    view.append(el('p', {class: 'note'}, `${r.statements.length} statement(s) of ${r.day} kept by `,
      regionLabel(r.region)));
    const rows = r.statements.map((signed) => {
      const s = signed.statement;
      const differences = s.differences.map((d) =>
        `${d.setl_id} ${d.kind} ${d.insured_amount}/${d.treating_amount}`).join('; ');
      return el('tr', {data: {id: s.id}}, el('td', {class: 'region'}, regionLabel(s.insured)),
        el('td', {class: 'region'}, regionLabel(s.treating)),
        el('td', {data: {key: 'balanced'}}, s.balanced ? 'balanced' : 'differs'),
        el('td', {data: {key: 'insured_claims'}}, s.insured_claims),
        el('td', {data: {key: 'treating_claims'}}, s.treating_claims),
        el('td', {data: {key: 'differences'}}, differences || 'none'),
        el('td', {data: {key: 'signatures'}}, signed.signatures.map((g) => g.region).join(', ')),
        el('td', {data: {key: 'adjustments'}}, signed.adjustments));
    });
    view.append(table(['insured', 'treating', 'result', 'insured claims', 'treating claims',
      'differences', 'signed by', 'adjustments'], rows, {id: 'statements'}));
  }

  async function clearing() {
    if (!params().get('period')) {
      return go('clearing', {period: new Date().toISOString().slice(0, 7)});
    }
    view.append(el('h2', {}, 'Monthly clearing'),
      form('clearing', [['period', 'month (YYYY-MM)', {required: '', pattern: '[0-9]{4}-[0-9]{2}'}]],
        'Show'));
    const period = params().get('period');
    const s = await getJson(`/v1/clearing?period=${encodeURIComponent(period)}&` + regionQuery());
    view.append(el('h3', {}, `${s.period}: `, regionLabel(s.region)));
    const fields = [['receivable', s.receivable], ['payable', s.payable], ['net', s.net],
      ['pay_in', s.pay_in], ['pay_out', s.pay_out], ['prepayment before', s.prepayment.before],
      ['prepayment drawn', s.prepayment.drawn], ['prepayment after', s.prepayment.after],
      ['prepayment floor', s.prepayment.floor], ['shortfall', s.prepayment.shortfall],
      ['top-up', s.prepayment.top_up]];
    view.append(table(['', 'yuan'], fields.map(([k, v]) =>
      el('tr', {data: {field: k}}, el('th', {}, k), amountCell(v, k))), {id: 'position'}));
    view.append(el('p', {id: 'clearing-flags'}, 'flags: ',
      s.flags.length ? s.flags.join(', ') : 'none'));
    view.append(el('h3', {}, 'Counterparts'), table(['region', 'payable', 'receivable', 'entries'],
      s.counterparts.map((c) => el('tr', {data: {counterparty: c.region}},
        el('td', {class: 'region'}, regionLabel(c.region)), amountCell(c.payable || '', 'payable'),
        amountCell(c.receivable || '', 'receivable'), el('td', {}, c.entries))),
      {id: 'counterparts'}));
    if (s.held.length) {
      view.append(el('p', {class: 'error'}, `${s.held.length} pair(s) held for a later period`));
    }
  }

  async function anomalies() {
    view.append(el('h2', {}, 'Anomaly flags'));
    if (!isRegulator) {
      view.append(el('p', {class: 'note', id: 'regulators-only'},
        'The audit report and its flags are for regulators (GET /v1/audit/report).'));
      return;
    }
    const p = params();
    if (!p.get('from') || !p.get('to')) {
      const today = new Date().toISOString().slice(0, 10);
      return go('anomalies', {from: today.slice(0, 8) + '01', to: today});
    }
    view.append(form('anomalies', [['from', 'from', {type: 'date', required: ''}],
      ['to', 'to', {type: 'date', required: ''}]], 'Show'));
    const q = `from=${encodeURIComponent(p.get('from'))}&to=${encodeURIComponent(p.get('to'))}`;
    const report = await getJson('/v1/audit/report?format=json&' + q);
    view.append(el('p', {class: 'note', id: 'integrity'},
      `${report.anomalies.length} flag(s) over every region served here; ledgers `,
      report.integrity.intact ? 'intact' : 'NOT intact'));
    view.append(table(['kind', 'region', 'subject', 'detail', 'why', 'claims behind it'],
      report.anomalies.map((a) => el('tr', {data: {kind: a.kind, subject: a.subject}},
        el('td', {}, a.kind), el('td', {class: 'region'}, a.region ? regionLabel(a.region) : ''),
        el('td', {}, a.subject), el('td', {}, a.detail), el('td', {class: 'why'}, a.explanation),
        el('td', {data: {key: 'claims'}}, a.claims.length ? a.claims.join(' ') : 'none'))),
      {id: 'flags'}));
    view.append(el('h3', {}, 'Clearing in the report'),
      table(['period', 'region', 'net', 'pay-in', 'pay-out', 'flags'], report.clearing.map((l) =>
        el('tr', {data: {period: l.period, region: l.region}}, el('td', {}, l.period),
          el('td', {class: 'region'}, regionLabel(l.region)), amountCell(l.net, 'net'),
          amountCell(l.pay_in, 'pay_in'), amountCell(l.pay_out, 'pay_out'),
          el('td', {}, l.flags.join(', ')))), {id: 'report-clearing'}));
  }

  function sandbox() {
    view.append(el('h2', {}, 'Policy sandbox'),
      el('p', {class: 'note'}, 'A draft policy (one policy object of the adjudicate contract) ' +
        'decided again over the insured region\'s settlements; no ledger is written.'));
    const draft = el('textarea', {id: 'draft', rows: 12, cols: 80, spellcheck: 'false'});
    const from = el('input', {id: 'sandbox-from', type: 'date'});
    const to = el('input', {id: 'sandbox-to', type: 'date'});
    const out = el('div', {id: 'sandbox-result'});
    const f = el('form', {class: 'ask', id: 'form-sandbox'}, el('label', {}, 'draft policy', draft),
      el('label', {}, 'from ', from), el('label', {}, 'to ', to),
      el('button', {type: 'submit'}, 'What would it have cost?'));
    f.addEventListener('submit', (event) => {
      event.preventDefault();
      out.replaceChildren(el('p', {class: 'note'}, 'running…'));
      const q = new URLSearchParams({format: 'json'});
      if (from.value) q.set('from', from.value);
      if (to.value) q.set('to', to.value);
      getJson('/v1/sandbox?' + q.toString(), {method: 'POST', body: draft.value,
        headers: {'Content-Type': 'application/json'}})
        .then((r) => showSandbox(out, r))
        .catch((error) => out.replaceChildren(
          el('p', {class: 'error', role: 'alert'}, `${error.status || ''}: ${error.message}`)));
    });
    view.append(f, out);
  }

  function showSandbox(out, r) {
    const fields = Object.keys(r.baseline);
    out.replaceChildren(
      el('h3', {}, `${regionLabel(r.admdvs)} insutype ${r.insutype}: ${r.claims} claim(s) ` +
        `${r.from} to ${r.to}`),
      table(['', 'baseline', 'draft', 'delta'], fields.map((k) =>
        el('tr', {data: {field: k}}, el('th', {}, k), amountCell(r.baseline[k], 'baseline'),
          amountCell(r.draft[k], 'draft'), amountCell(r.delta[k], 'delta'))), {id: 'sandbox-funds'}),
      el('p', {id: 'sandbox-people'}, `people: ${r.people.pay_more} pay more, ` +
        `${r.people.pay_less} pay less, ${r.people.same} the same`),
      table(['benefit', 'level', 'treating', 'claims', 'fund delta'], r.by.map((b) =>
        el('tr', {}, el('td', {}, b.benefit), el('td', {}, b.level),
          el('td', {class: 'region'}, regionLabel(b.treating)), el('td', {}, b.claims),
          amountCell(b.delta_fund, 'delta_fund'))), {id: 'sandbox-by'}));
  }

  const views = {balances, claim, reconciliation, clearing, anomalies, sandbox};

  async function show() {
    const name = location.hash.slice(1).split('?')[0] || 'balances';
    const render = views[name] || balances;
    for (const a of document.querySelectorAll('nav a')) {
      a.classList.toggle('current', a.getAttribute('href') === '#' + name);
    }
    view.replaceChildren();
    view.dataset.view = name;
    view.dataset.state = 'loading';
    try {
      await render();
      view.dataset.state = 'ready';
    } catch (error) {
      showError(error);
      view.dataset.state = 'error';
    }
  }

  function start() {
    document.getElementById('who').textContent =
      `${me.role} ${me.organisation}` + (me.role === 'bureau' ? ` (${regionLabel(me.organisation)})` : '') +
      ` · gateway of ${regionLabel(me.region)}`;
    const choices = isRegulator ? me.served : [me.organisation];
    for (const code of choices) regionSelect.append(el('option', {value: code}, regionLabel(code)));
    regionSelect.value = isRegulator ? me.region : me.organisation;
    regionSelect.disabled = !isRegulator;
    regionSelect.addEventListener('change', show);
    window.addEventListener('hashchange', show);
    show();
  }

  start();
})();

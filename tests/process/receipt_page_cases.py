"""Prints adapters/receipt.html with a script appended that waits for the page's check of the
receipt in its address, writes its verdict and amounts ("address VERDICT", "amount NAME YUAN"),
then checks each case of tests/process/receipt_page_test.sh through the page's own run() and
writes one line per case ("ok NAME: verdict (why)" or "FAIL …"), all into <pre id="results">.

    receipt_page_cases.py PAGE WORK_DIR FINGERPRINT
"""
import json
import sys

page, work, fingerprint = sys.argv[1:]


def read(name):
    with open(f"{work}/{name}.json", encoding="utf-8") as f:
        return f.read()


# name, receipt text, fingerprint typed in, the verdict the page must show
CASES = [
    ("genuine", read("sha256"), "", "verified"),
    ("one hex digit of the entry changed", read("entry-changed"), "", "altered"),
    ("its readable medfee_sumamt changed", read("amount-changed"), "", "altered"),
    ("one hex digit of the seal changed", read("seal-changed"), "", "altered"),
    ("its own key's fingerprint given", read("sha256"), fingerprint, "verified"),
    ("another key's fingerprint given", read("sha256"), "0123456789abcdef", "altered"),
    ("an SM3 ledger's receipt", read("sm3"), "", "unsupported"),
    ("cut short", read("sha256")[:-20], "", "altered"),
]

HARNESS = """<script>
(async () => {
  // First what the page showed for the receipt in its address (#receipt=…), as a patient opens it.
  const verdict = document.getElementById('verdict');
  while (verdict.dataset.verdict === 'none') await new Promise((done) => setTimeout(done, 10));
  const lines = ['address ' + verdict.dataset.verdict];
  for (const tr of document.querySelectorAll('#amounts tr')) {
    lines.push('amount ' + tr.cells[2].textContent + ' ' + tr.cells[1].textContent);
  }
  for (const [name, text, pin, want] of CASES) {
    document.getElementById('pin').value = pin;
    await run(text);
    const got = document.getElementById('verdict').dataset.verdict;
    lines.push((got === want ? 'ok ' : 'FAIL ') + name + ': ' + got + ' (' +
               document.getElementById('why').textContent + ')');
  }
  const out = document.createElement('pre');
  out.id = 'results';
  out.textContent = lines.join('\\n');
  document.body.append(out);
})();
</script>
""".replace("CASES", json.dumps(CASES).replace("</", "<\\/"))

with open(page, encoding="utf-8") as f:
    html = f.read()
sys.stdout.write(html.replace("</body>", HARNESS + "</body>"))

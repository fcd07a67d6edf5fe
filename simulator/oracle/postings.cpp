// The posting rules of DOMAIN.md §5 written from the text, for the auditor: funds and accounts of
// the insured region against the payable to the treating region; the treating region's receivable
// against its hospital. Σ debits = Σ credits on each side by construction.
#include "simulator/oracle/postings.h"

namespace medclear::oracle {

namespace {

std::string region(const std::string& division) { return division.substr(0, 2) + "0000"; }

void post(std::vector<Posting>& to, bool debit, std::string account, Money amount) {
  if (amount != Money()) to.push_back({debit, std::move(account), amount});
}

}  // namespace

std::vector<Posting> postings(const Expected& answer, Side side) {
  // What the treating region advances to its hospital: the funds and the personal account.
  const Money advanced = answer.fund_pay_sumamt + answer.acct_pay;
  std::vector<Posting> out;
  if (side == Side::kInsured) {
    for (const FundRow& row : answer.setldetail) {
      post(out, true, "fund:" + row.fund_pay_type, row.fund_payamt);
    }
    post(out, true, "fund:310200", answer.acct_pay);
    post(out, false, "payable:" + region(answer.mdtrtarea_admvs), advanced);
  } else {
    post(out, true, "receivable:" + region(answer.insuplc_admdvs), advanced);
    post(out, false, "hospital:" + answer.fixmedins_code, advanced);
  }
  return out;
}

std::map<std::string, Money> balance_moves(const std::vector<Posting>& postings) {
  std::map<std::string, Money> moves;
  for (const Posting& p : postings) {
    moves[p.account] += p.debit ? p.amount : -p.amount;
  }
  return moves;
}

}  // namespace medclear::oracle

// What the back office's HTML pages share (the audit report, the sandbox's report): escaping,
// table cells, the bar charts' integer scaling and filling a page template's {{name}}
// placeholders. The templates are embedded at build time (embed_text.cmake).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "clearing/check.h"
#include "clearing/money.h"

namespace medclear::gateway::html {

inline clearing::Money magnitude(clearing::Money m) { return m.is_negative() ? -m : m; }

// Integer share of |part| in `whole` scaled to `scale` (charts only; no floating point).
inline int share(clearing::Money part, clearing::Money whole, int scale) {
  if (whole.fen() <= 0) return 0;
  const clearing::WideInt scaled =
      static_cast<clearing::WideInt>(magnitude(part).fen()) * scale / whole.fen();
  return static_cast<int>(scaled);
}

inline std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

inline std::string cell(const std::string& text) { return "<td>" + text + "</td>"; }

// The page with each {{name}} replaced by its value in one pass (values are not searched). A
// placeholder without a value, or an unclosed one, is a bug of the embedded template.
inline std::string fill_page(std::string_view page,
                             const std::map<std::string, std::string>& values) {
  std::string out;
  size_t at = 0;
  for (size_t open = page.find("{{"); open != std::string_view::npos; open = page.find("{{", at)) {
    const size_t close = page.find("}}", open);
    MC_CHECK(close != std::string_view::npos, "an HTML template: an unclosed {{");
    const auto value = values.find(std::string(page.substr(open + 2, close - open - 2)));
    MC_CHECK(value != values.end(), "an HTML template: a placeholder without a value");
    out.append(page.substr(at, open - at)).append(value->second);
    at = close + 2;
  }
  return out.append(page.substr(at));
}

}  // namespace medclear::gateway::html

#include "gateway/http/console.h"

#include <map>

#include "adapters/json.h"
#include "clearing/provinces.h"
#include "gateway/backoffice/html.h"
#include "gateway/http/console_app_js.h"
#include "gateway/http/console_index_html.h"
#include "gateway/http/console_style_css.h"

namespace medclear::gateway {

namespace {

// {"110000": ["北京市", "Beijing"], …}: every province, for the views' labels.
std::string provinces_json() {
  adapters::JsonWriter w;
  w.begin_object();
  for (const clearing::Province& p : clearing::kProvinces) {
    w.key(p.admdvs).begin_array().string(p.name_zh).string(p.name_en).end_array();
  }
  w.end_object();
  return w.take();
}

std::string served_json(const ConsoleViewer& viewer) {
  adapters::JsonWriter w;
  w.begin_array();
  for (const std::string& region : viewer.served) w.string(region);
  if (viewer.served.empty()) w.string(viewer.region);
  w.end_array();
  return w.take();
}

}  // namespace

ConsoleFile console_file(std::string_view path, const ConsoleViewer& viewer) {
  ConsoleFile file;
  if (path == "/console" || path == "/console/" || path == "/console/index.html") {
    file.found = true;
    file.content_type = "text/html; charset=utf-8";
    // Attribute values, escaped: an organisation (a regulator's CN) is any text.
    file.body =
        html::fill_page(kConsoleIndexHtml, {{"role", html::escape(viewer.role)},
                                            {"organisation", html::escape(viewer.organisation)},
                                            {"region", html::escape(viewer.region)},
                                            {"served", html::escape(served_json(viewer))},
                                            {"provinces", html::escape(provinces_json())}});
  } else if (path == "/console/app.js") {
    file.found = true;
    file.content_type = "text/javascript; charset=utf-8";
    file.body = kConsoleAppJs;
  } else if (path == "/console/style.css") {
    file.found = true;
    file.content_type = "text/css; charset=utf-8";
    file.body = kConsoleStyleCss;
  }
  return file;
}

}  // namespace medclear::gateway

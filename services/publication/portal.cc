// The portal's files by the path a browser asks for, each with its content type. The bytes are
// the files in portal/ themselves, compiled in at build time by hattama_embed_text (see
// CMakeLists.txt): one binary to deploy, nothing to mount.
#include "services/publication/portal.h"

#include <cstddef>
#include <string>

#include "services/publication/portal_files.h"

namespace hattama::publication {
namespace {

// Every byte of an embedded file (its constant's size less the terminating NUL).
template <size_t N>
std::string Bytes(const char (&text)[N]) {
  return std::string(text, N - 1);
}

}  // namespace

StaticFiles PortalFiles() {
  return {{"/index.html", {"text/html; charset=utf-8", Bytes(portal::kIndexHtml)}},
          {"/app.js", {"text/javascript; charset=utf-8", Bytes(portal::kAppJs)}},
          {"/logcheck.js", {"text/javascript; charset=utf-8", Bytes(portal::kLogcheckJs)}},
          {"/i18n.js", {"text/javascript; charset=utf-8", Bytes(portal::kI18nJs)}},
          {"/data.js", {"text/javascript; charset=utf-8", Bytes(portal::kDataJs)}},
          {"/map.js", {"text/javascript; charset=utf-8", Bytes(portal::kMapJs)}},
          {"/charts.js", {"text/javascript; charset=utf-8", Bytes(portal::kChartsJs)}},
          {"/reforms.js", {"text/javascript; charset=utf-8", Bytes(portal::kReformsJs)}},
          {"/pvt.js", {"text/javascript; charset=utf-8", Bytes(portal::kPvtJs)}},
          {"/observers.js", {"text/javascript; charset=utf-8", Bytes(portal::kObserversJs)}},
          {"/style.css", {"text/css; charset=utf-8", Bytes(portal::kStyleCss)}}};
}

}  // namespace hattama::publication

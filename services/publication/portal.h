// The public portal's static files (portal/index.html, app.js, style.css), compiled into the
// binary at build time (hattama_embed_text in CMakeLists.txt), by the path a browser asks for.
#pragma once

#include "services/publication/http_gateway.h"

namespace hattama::publication {

StaticFiles PortalFiles();

}  // namespace hattama::publication

// The web view's files (daemon/http/web), built into the daemon (embed_web.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace bgpemu::daemon::http {

struct WebFile {
    std::string_view path;  // "/app.js"
    std::string_view body;
};

[[nodiscard]] const std::vector<WebFile>& web_files();

}  // namespace bgpemu::daemon::http

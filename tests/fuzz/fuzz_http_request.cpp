// libFuzzer target for what the HTTP server reads before any handler runs: bytes in, as
// they arrive on a connection, through Boost.Beast's request parser with the server's
// limits, then the target's decoding and its mapping onto an admin request
// (daemon/http/http_api.hpp). Beyond the sanitizers, we check what the server relies on:
// nothing throws; a mapped request names the command its path names, at protocol
// version 1, and a changing command only ever comes from a POST; every refusal is a
// 4xx status with a code and a message.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "daemon/http/http_api.hpp"

namespace {

namespace http = bgpemu::daemon::http;
namespace bhttp = boost::beast::http;

[[noreturn]] void broken_promise(const std::string& what) {
    std::fprintf(stderr, "HTTP request handling broke its contract: %s\n", what.c_str());
    std::abort();
}

void check_mapping(std::string_view method, std::string_view target, std::string_view body) {
    const auto parsed = http::parse_target(target);
    if (!parsed || parsed->path.rfind(http::api_prefix, 0) != 0) return;
    const auto call = http::api_call(method, *parsed, body);
    if (const auto* error = std::get_if<http::ApiError>(&call)) {
        if (error->status < 400 || error->status > 499 || error->code.empty() || error->message.empty())
            broken_promise("a refusal without a 4xx status, a code and a message");
        return;
    }
    const auto& mapped = std::get<http::ApiCall>(call);
    const auto* command = mapped.request.if_contains("command");
    if (command == nullptr || !command->is_string() || command->as_string() != mapped.command->name)
        broken_promise("a request whose command is not its path's");
    if (mapped.request.at("version") != 1) broken_promise("a request of another protocol version");
    if (mapped.command->changes_state && method != "POST") broken_promise("a change from a " + std::string(method));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        boost::beast::flat_buffer buffer;
        auto bytes = buffer.prepare(size);
        if (size != 0) std::memcpy(bytes.data(), data, size);
        buffer.commit(size);
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(8192);
        parser.body_limit(8192);
        parser.eager(true);
        boost::beast::error_code error;
        parser.put(buffer.data(), error);
        if (error || !parser.is_done()) {
            // Not a whole request: the mapping must still cope with a target taken as it is.
            const std::string_view text(reinterpret_cast<const char*>(data), size);
            const auto line_end = text.find('\n');
            const auto line = text.substr(0, line_end);
            const auto space = line.find(' ');
            if (space != std::string_view::npos)
                check_mapping(line.substr(0, space), line.substr(space + 1),
                              line_end == std::string_view::npos ? std::string_view{} : text.substr(line_end + 1));
            return 0;
        }
        const auto& request = parser.get();
        check_mapping(request.method_string(), request.target(), request.body());
    } catch (const std::exception& e) {
        broken_promise(std::string("threw ") + e.what());
    }
    return 0;
}

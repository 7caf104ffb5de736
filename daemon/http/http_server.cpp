#include "daemon/http/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <map>
#include <spdlog/spdlog.h>
#include <variant>

#include "daemon/admin/admin_server.hpp"
#include "daemon/admin/json_text.hpp"
#include "daemon/http/http_api.hpp"
#include "daemon/http/web_assets.hpp"

namespace bgpemu::daemon::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Request = bhttp::request<bhttp::string_body>;
using Response = bhttp::response<bhttp::string_body>;

struct HttpServer::State {
    AdminCommands& commands;
    const Emulation& emulation;
    const std::vector<std::unique_ptr<bgp::Speaker>>& speakers;
    HttpSettings settings;
    std::size_t clients = 0;
    bool stopped = false;
};

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
// How often an event stream looks for news, and how long it may stay silent before it
// sends a comment (so that proxies and browsers keep it open).
constexpr std::chrono::milliseconds event_poll{250};
constexpr std::chrono::seconds event_heartbeat{15};
// A reply that cannot be written in this long goes to a client that stopped reading.
constexpr std::chrono::seconds write_timeout{10};

// The page may load nothing but its own files, and may not be framed.
constexpr std::string_view page_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct ContentType {
    std::string_view extension;
    std::string_view type;
};
constexpr ContentType content_types[] = {
    {".html", "text/html; charset=utf-8"},  {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},    {".svg", "image/svg+xml"},
    {".png", "image/png"},                  {".ico", "image/x-icon"},
};

std::string_view content_type_of(std::string_view path) {
    for (const auto& [extension, type] : content_types)
        if (path.size() >= extension.size() && path.substr(path.size() - extension.size()) == extension) return type;
    return "application/octet-stream";
}

Response response(const Request& request, unsigned status, std::string_view type, std::string body) {
    Response out{static_cast<bhttp::status>(status), request.version()};
    out.set(bhttp::field::server, "bgpemud");
    out.set(bhttp::field::content_type, type);
    out.set(bhttp::field::cache_control, "no-store");
    out.set("X-Content-Type-Options", "nosniff");
    out.set("Referrer-Policy", "no-referrer");
    if (type.substr(0, 9) == "text/html") out.set("Content-Security-Policy", page_policy);
    out.keep_alive(request.keep_alive());
    out.body() = std::move(body);
    out.prepare_payload();
    return out;
}

Response json_response(const Request& request, unsigned status, const json::object& body) {
    return response(request, status, "application/json", to_json_text(body) + "\n");
}

Response refusal(const Request& request, unsigned status, std::string_view code, std::string_view message) {
    return json_response(request, status, error_reply(code, message));
}

// An event stream takes the connection over after routing.
struct EventStream {};

std::variant<Response, EventStream> route(HttpServer::State& state, const Request& request) {
    const auto& settings = state.settings;
    const std::string_view host = request[bhttp::field::host];
    if (!settings.allow_remote && !loopback_host(host))
        return refusal(request, 403, "forbidden_host",
                       "Host \"" + std::string(host) + "\" is not a loopback name; this server answers only to "
                       "localhost (daemon.http.allow_remote)");
    if (const auto origin = request[bhttp::field::origin]; !origin.empty() && !same_origin(origin, host))
        return refusal(request, 403, "foreign_origin",
                       "requests from pages of another origin (" + std::string(origin) + ") are refused");
    const auto target = parse_target(request.target());
    if (!target) return refusal(request, 400, "bad_request", "the request target is not a valid path");
    const auto method = request.method_string();
    const std::string_view path = target->path;
    const bool get = request.method() == bhttp::verb::get;
    const auto only_get = [&]() {
        auto out = refusal(request, 405, "method_not_allowed", std::string(path) + " takes GET");
        out.set(bhttp::field::allow, "GET");
        return out;
    };

    if (path.substr(0, api_prefix.size()) != api_prefix) {
        const std::string_view file = path == "/" ? "/index.html" : path;
        for (const auto& web : web_files())
            if (web.path == file) return get ? response(request, 200, content_type_of(file), std::string(web.body)) : only_get();
        if (path == "/metrics")
            return get ? response(request, 200, "text/plain; version=0.0.4; charset=utf-8", state.commands.metrics_text())
                       : only_get();
        return refusal(request, 404, "not_found", "nothing at " + std::string(path) + " (the API is under /api/v1/)");
    }
    if (path == "/api/v1/events") {
        if (!get) return only_get();
        return EventStream{};
    }
    if (path == "/api/v1/capabilities") {
        if (!get) return only_get();
        json::object reply{{"version", admin_protocol_version}, {"ok", true}};
        reply["result"] = json::object{{"allow_changes", settings.allow_changes}};
        return json_response(request, 200, reply);
    }
    auto call = api_call(method, *target, request.body());
    if (auto* error = std::get_if<ApiError>(&call)) {
        auto out = refusal(request, error->status, error->code, error->message);
        if (!error->allow.empty()) out.set(bhttp::field::allow, error->allow);
        return out;
    }
    auto& admin = std::get<ApiCall>(call);
    if (admin.command->changes_state) {
        if (!settings.allow_changes)
            return refusal(request, 403, "changes_disabled",
                           std::string(admin.command->name) + " changes state, which this server does not allow "
                           "(daemon.http.allow_changes); the admin socket does");
        const auto token = bearer_token(request[bhttp::field::authorization]);
        if (!token || !tokens_equal(*token, settings.token)) {
            auto out = refusal(request, 401, "unauthorized",
                               token ? "the bearer token is wrong" : "a change needs Authorization: Bearer TOKEN "
                                                                     "(the token of daemon.http.token_file)");
            out.set(bhttp::field::www_authenticate, "Bearer");
            return out;
        }
        spdlog::info("http: {} from the API", admin.command->name);
    }
    const auto reply = state.commands.respond(admin.request);
    return response(request, status_of(reply.envelope), "application/json", reply.text() + "\n");
}

// Server-Sent Events: every event `show events` lists (session, link, reload) as it is
// recorded, and `routes` naming the speakers whose best paths changed, polled at
// `event_poll`. Starts after the event the client saw last (Last-Event-ID, which a
// browser sends when it reconnects), else after the newest.
asio::awaitable<void> serve_events(std::shared_ptr<HttpServer::State> state, beast::tcp_stream& stream,
                                   const Request& request) {
    const auto& events = state->emulation.events();
    std::uint64_t last = events.empty() ? 0 : events.back().sequence;
    if (const auto id = request["Last-Event-ID"]; !id.empty()) {
        std::uint64_t value = 0;
        const auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), value);
        if (ec == std::errc{} && end == id.data() + id.size() && value <= last) last = value;
    }
    std::map<std::string, std::chrono::steady_clock::time_point, std::less<>> seen;
    for (const auto& speaker : state->speakers) seen[speaker->config().name] = speaker->last_route_change();
    std::string out =
        "HTTP/1.1 200 OK\r\nServer: bgpemud\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\nretry: 2000\n\n";
    asio::steady_timer timer(stream.get_executor());
    auto quiet_since = std::chrono::steady_clock::now();
    while (!state->stopped) {
        for (const auto& event : state->emulation.events()) {
            if (event.sequence <= last) continue;
            out += "id: " + std::to_string(event.sequence) + "\nevent: " + event.kind + "\ndata: " +
                   to_json_text(event_json(event)) + "\n\n";
            last = event.sequence;
        }
        json::array changed;
        for (const auto& speaker : state->speakers) {
            const auto when = speaker->last_route_change();
            auto& before = seen[speaker->config().name];
            if (when == before) continue;
            before = when;
            changed.push_back(json::value(speaker->config().name));
        }
        if (!changed.empty()) out += "event: routes\ndata: " + to_json_text(json::object{{"nodes", std::move(changed)}}) + "\n\n";
        const auto now = std::chrono::steady_clock::now();
        if (out.empty() && now - quiet_since >= event_heartbeat) out = ": still here\n\n";
        if (!out.empty()) {
            stream.expires_after(write_timeout);
            auto [error, written] = co_await asio::async_write(stream, asio::buffer(out), use_tuple);
            (void)written;
            if (error) co_return;
            out.clear();
            quiet_since = now;
        }
        timer.expires_after(event_poll);
        (void)co_await timer.async_wait(use_tuple);
    }
}

asio::awaitable<void> serve_connection(std::shared_ptr<HttpServer::State> state, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    while (!state->stopped) {
        const auto limits = state->settings;
        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.request_bytes, 1U << 20)));
        parser.body_limit(limits.request_bytes);
        stream.expires_after(limits.idle_timeout);
        auto [error, read] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
        (void)read;
        if (error) {
            // A request too big or not HTTP is told so; a client gone or too slow is just closed.
            std::optional<Response> reply;
            const Request none;
            if (error == bhttp::error::body_limit || error == bhttp::error::header_limit || error == bhttp::error::buffer_overflow)
                reply = refusal(none, 413, "request_too_large",
                                "a request is at most " + std::to_string(limits.request_bytes) + " bytes (daemon.http.request_bytes)");
            else if (error.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                     error != bhttp::error::end_of_stream &&
                     error != bhttp::error::partial_message)
                reply = refusal(none, 400, "bad_request", "malformed HTTP request: " + error.message());
            if (reply) {
                reply->keep_alive(false);
                stream.expires_after(write_timeout);
                (void)co_await bhttp::async_write(stream, *reply, use_tuple);
            }
            break;
        }
        const Request request = parser.release();
        auto routed = route(*state, request);
        if (std::holds_alternative<EventStream>(routed)) {
            co_await serve_events(state, stream, request);
            break;
        }
        auto& reply = std::get<Response>(routed);
        stream.expires_after(write_timeout);
        auto [write_error, written] = co_await bhttp::async_write(stream, reply, use_tuple);
        (void)written;
        if (write_error || !reply.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
}

}  // namespace

HttpServer::HttpServer(asio::io_context& io, AdminCommands& commands, const Emulation& emulation,
                       const std::vector<std::unique_ptr<bgp::Speaker>>& speakers, const HttpSettings& settings)
    : io_(io), acceptor_(io), state_(std::make_shared<State>(State{commands, emulation, speakers, settings})) {}

HttpServer::~HttpServer() { stop(); }

std::optional<std::string> HttpServer::listen() {
    const auto& where = *state_->settings.listen;
    const tcp::endpoint endpoint(asio::ip::make_address(where.address.to_string()), where.port);
    boost::system::error_code error;
    acceptor_.open(endpoint.protocol(), error);
    if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
    if (!error) acceptor_.bind(endpoint, error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) return "cannot listen on " + url() + ": " + error.message();
    asio::co_spawn(
        io_,
        [this, state = state_]() -> asio::awaitable<void> {
            for (;;) {
                auto [accept_error, socket] = co_await acceptor_.async_accept(use_tuple);
                if (accept_error == asio::error::operation_aborted || state->stopped) co_return;
                if (accept_error) continue;
                if (state->clients >= state->settings.clients) {
                    spdlog::warn("http: refusing a client, {} are connected (daemon.http.clients)", state->clients);
                    auto refused = std::make_shared<tcp::socket>(std::move(socket));
                    auto reply = std::make_shared<std::string>(
                        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
                        "Retry-After: 1\r\nContent-Length: ");
                    const auto body = to_json_text(error_reply("too_many_clients", std::to_string(state->settings.clients) +
                                                                                   " clients are connected, the most the server "
                                                                                   "serves (daemon.http.clients)")) + "\n";
                    *reply += std::to_string(body.size()) + "\r\n\r\n" + body;
                    asio::async_write(*refused, asio::buffer(*reply), [refused, reply](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignored;
                        refused->close(ignored);
                    });
                    continue;
                }
                ++state->clients;
                asio::co_spawn(io_, serve_connection(state, std::move(socket)), [state](std::exception_ptr e) {
                    --state->clients;
                    log_failure("http client ended with an error", e);
                });
            }
        },
        [](std::exception_ptr e) { log_failure("http server stopped", e); });
    return std::nullopt;
}

std::string HttpServer::url() const {
    const auto& where = *state_->settings.listen;
    const auto address = where.address.is_v4() ? where.address.to_string() : "[" + where.address.to_string() + "]";
    return "http://" + address + ":" + std::to_string(where.port) + "/";
}

std::vector<std::string> HttpServer::reconfigure(const HttpSettings& settings) {
    std::vector<std::string> changes;
    auto& now = state_->settings;
    if (settings.listen != now.listen) changes.push_back("http listen address changed: takes effect at the next start");
    if (settings.allow_changes != now.allow_changes)
        changes.push_back(std::string("http changes ") + (settings.allow_changes ? "allowed" : "refused"));
    if (settings.token != now.token) changes.push_back("http token replaced");
    if (settings.clients != now.clients || settings.request_bytes != now.request_bytes || settings.idle_timeout != now.idle_timeout ||
        settings.allow_remote != now.allow_remote)
        changes.push_back("http limits: " + std::to_string(settings.clients) + " clients, " +
                          std::to_string(settings.request_bytes) + " bytes per request, " +
                          std::to_string(settings.idle_timeout.count()) + " s idle" +
                          (settings.allow_remote ? ", other hosts allowed" : ""));
    const auto listen = now.listen;
    now = settings;
    now.listen = listen;
    return changes;
}

void HttpServer::stop() {
    state_->stopped = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

}  // namespace bgpemu::daemon::http

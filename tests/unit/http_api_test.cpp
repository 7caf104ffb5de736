// The HTTP transport's pure parts (daemon/http/http_api.hpp): targets to admin requests
// typed by the command table, the methods each command takes, statuses from error codes,
// and the checks of Host, Origin and the bearer token.
#include <catch2/catch.hpp>

#include "daemon/admin/json_text.hpp"
#include "daemon/http/http_api.hpp"

namespace bgpemu::daemon::http {
namespace {

namespace json = boost::json;

std::variant<ApiCall, ApiError> call(std::string_view method, std::string_view target, std::string_view body = {}) {
    const auto parsed = parse_target(target);
    REQUIRE(parsed);
    return api_call(method, *parsed, body);
}

json::object request_of(std::string_view method, std::string_view target, std::string_view body = {}) {
    auto result = call(method, target, body);
    if (const auto* error = std::get_if<ApiError>(&result)) FAIL(target << ": " << error->code << ": " << error->message);
    return std::get<ApiCall>(result).request;
}

ApiError error_of(std::string_view method, std::string_view target, std::string_view body = {}) {
    auto result = call(method, target, body);
    REQUIRE(std::holds_alternative<ApiError>(result));
    return std::get<ApiError>(result);
}

TEST_CASE("targets are decoded into a path and query pairs", "[http]") {
    const auto target = parse_target("/api/v1/show/rib?node=hub%2Dergw&prefix=10.2.30.0%2F25&flag&&x=a+b");
    REQUIRE(target);
    CHECK(target->path == "/api/v1/show/rib");
    using Pairs = std::vector<std::pair<std::string, std::string>>;
    CHECK(target->query == Pairs{{"node", "hub-ergw"}, {"prefix", "10.2.30.0/25"}, {"flag", ""}, {"x", "a b"}});
    CHECK(parse_target("/a%20b+c")->path == "/a b+c");  // '+' is a space only in a query
    CHECK_FALSE(parse_target("/bad%2"));
    CHECK_FALSE(parse_target("/bad%zz"));
    CHECK_FALSE(parse_target("/nul%00"));
    CHECK_FALSE(parse_target("relative"));
    CHECK_FALSE(parse_target(""));
}

TEST_CASE("a GET is a read with its keys typed by the command table", "[http]") {
    CHECK(request_of("GET", "/api/v1/status") == json::parse(R"({"version":1,"command":"status"})").as_object());
    CHECK(request_of("GET", "/api/v1/show/rib?node=hub-ergw&prefix=10.2.30.0/25") ==
          json::parse(R"({"node":"hub-ergw","prefix":"10.2.30.0/25","version":1,"command":"show rib"})").as_object());
    CHECK(request_of("GET", "/api/v1/show/events?limit=5").at("limit") == 5);
    CHECK(request_of("GET", "/api/v1/trace?from=a&to=b&all_paths").at("all_paths") == true);
    CHECK(request_of("GET", "/api/v1/trace?from=a&to=b&all_paths=false").at("all_paths") == false);
    CHECK(request_of("GET", "/api/v1/converged/").at("command") == "converged");  // a trailing slash is the same
    // A key the command does not take goes through, for the admin protocol to name.
    CHECK(request_of("GET", "/api/v1/status?colour=red").at("colour") == "red");

    CHECK(error_of("GET", "/api/v1/show/events?limit=five").code == "bad_argument");
    CHECK(error_of("GET", "/api/v1/trace?from=a&to=b&all_paths=maybe").code == "bad_argument");
    CHECK(error_of("GET", "/api/v1/trace?from=a&from=b&to=c").message.find("twice") != std::string::npos);
    const auto unknown = error_of("GET", "/api/v1/show/everything");
    CHECK(unknown.status == 404);
    CHECK(unknown.message.find("show rib") != std::string::npos);  // lists what there is
}

TEST_CASE("a change is a POST with a JSON object, and each command takes its one method", "[http]") {
    CHECK(request_of("POST", "/api/v1/link", R"({"action":"down","a":"x","b":"y"})") ==
          json::parse(R"({"action":"down","a":"x","b":"y","version":1,"command":"link"})").as_object());
    // The path names the command, whatever the body says.
    CHECK(request_of("POST", "/api/v1/session/reset", R"({"command":"status","node":"n","peer":"p"})").at("command") ==
          "session reset");
    CHECK(request_of("POST", "/api/v1/reload", "").at("command") == "reload");  // no body: no keys

    const auto get_change = error_of("GET", "/api/v1/link?action=down&link=x");
    CHECK(get_change.status == 405);
    CHECK(get_change.allow == "POST");
    const auto post_read = error_of("POST", "/api/v1/status", "{}");
    CHECK(post_read.status == 405);
    CHECK(post_read.allow == "GET");
    CHECK(error_of("PUT", "/api/v1/status").status == 405);
    CHECK(error_of("POST", "/api/v1/link", "{not json").code == "bad_request");
    CHECK(error_of("POST", "/api/v1/link", "[1]").code == "bad_request");
    CHECK(error_of("POST", "/api/v1/link?action=down", "{}").code == "bad_request");
}

TEST_CASE("replies get the status of their error code", "[http]") {
    const auto reply = [](const char* code) {
        return json::parse(std::string(R"({"version":1,"ok":false,"error":{"code":")") + code + R"(","message":"m"}})").as_object();
    };
    CHECK(status_of(json::parse(R"({"version":1,"ok":true,"result":{}})").as_object()) == 200);
    CHECK(status_of(reply("unknown_node")) == 404);
    CHECK(status_of(reply("bad_argument")) == 400);
    CHECK(status_of(reply("config_invalid")) == 422);
    CHECK(status_of(reply("ambiguous_link")) == 409);
    CHECK(status_of(reply("something_new")) == 400);
    CHECK(status_of(json::object{}) == 400);
    CHECK(error_reply("c", "m") == json::parse(R"({"version":1,"ok":false,"error":{"code":"c","message":"m"}})").as_object());
}

TEST_CASE("Host, Origin and the bearer token", "[http]") {
    for (const auto* host : {"localhost", "localhost:8179", "127.0.0.1", "127.1.2.3:80", "[::1]", "[::1]:8179"}) {
        INFO(host);
        CHECK(loopback_host(host));
    }
    for (const auto* host : {"", "example.com", "127.0.0.1.example.com", "127.0.0.1x", "10.0.0.1:8179", "[::2]:1",
                             "localhost.evil", "[::1"}) {
        INFO(host);
        CHECK_FALSE(loopback_host(host));
    }
    CHECK(same_origin("http://127.0.0.1:8179", "127.0.0.1:8179"));
    CHECK_FALSE(same_origin("http://127.0.0.1:8180", "127.0.0.1:8179"));
    CHECK_FALSE(same_origin("https://127.0.0.1:8179", "127.0.0.1:8179"));
    CHECK_FALSE(same_origin("null", "127.0.0.1:8179"));
    CHECK_FALSE(same_origin("http://", ""));

    CHECK(bearer_token("Bearer abc") == std::optional<std::string_view>("abc"));
    CHECK(bearer_token("bearer  abc ") == std::optional<std::string_view>("abc"));
    CHECK_FALSE(bearer_token("Basic YWJj"));
    CHECK_FALSE(bearer_token("Bearer"));
    CHECK(tokens_equal("s3cret-token", "s3cret-token"));
    CHECK_FALSE(tokens_equal("s3cret-tokeN", "s3cret-token"));
    CHECK_FALSE(tokens_equal("s3cret", "s3cret-token"));
    CHECK_FALSE(tokens_equal("s3cret-token-and-more", "s3cret-token"));
    CHECK_FALSE(tokens_equal("", ""));  // no token configured matches nothing
}

TEST_CASE("reply text: strings escaped as RFC 8259 asks, numbers as plain decimals, and it reads back", "[http][json]") {
    const json::value value = json::object{{"quote \"and\\ back", "line\nbreak\ttab\x01\x1f"},
                                           {"unicode", "caf\xc3\xa9"},
                                           {"numbers", json::array{-5, std::uint64_t{18446744073709551615ULL}, 0.6, 81.0}},
                                           {"flags", json::array{true, false, nullptr}}};
    const auto text = to_json_text(value);
    CHECK(text.find(R"("line\nbreak\ttab\u0001\u001f")") != std::string::npos);
    CHECK(text.find(R"("quote \"and\\ back")") != std::string::npos);
    CHECK(text.find("[-5,18446744073709551615,0.6,81]") != std::string::npos);
    CHECK(text.find("[true,false,null]") != std::string::npos);
    // Read back, it is the same value (81.0 reads as an integer: compare the text).
    CHECK(to_json_text(json::parse(text)) == text);
    CHECK(json::parse(text).at("unicode") == "caf\xc3\xa9");
}

}  // namespace
}  // namespace bgpemu::daemon::http

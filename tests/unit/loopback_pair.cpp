#include "loopback_pair.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <spdlog/sinks/null_sink.h>

namespace bgpemu::test {

namespace asio = boost::asio;
using asio::ip::tcp;

std::uint16_t free_port_on(const std::string& first_address, const std::string& second_address) {
    asio::io_context io;
    const auto first = asio::ip::make_address(first_address);
    const auto second = asio::ip::make_address(second_address);
    for (int attempt = 0; attempt < 20; ++attempt) {
        boost::system::error_code ec;
        tcp::acceptor probe(io);
        probe.open(first.is_v4() ? tcp::v4() : tcp::v6(), ec);
        if (!ec) probe.bind({first, 0}, ec);
        if (ec) return 0;
        const auto port = probe.local_endpoint(ec).port();
        if (ec) return 0;
        tcp::acceptor other(io);
        other.open(second.is_v4() ? tcp::v4() : tcp::v6(), ec);
        if (!ec) other.bind({second, port}, ec);
        if (!ec) return port;
    }
    return 0;
}

std::string with_port(std::string text, std::uint16_t port) {
    const std::string marker = "{port}";
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at))
        text.replace(at, marker.size(), std::to_string(port));
    return text;
}

LoopbackPair::LoopbackPair(const bgp::SpeakerConfig& a_config, const bgp::SpeakerConfig& b_config,
                           std::shared_ptr<spdlog::logger> log) {
    if (!log) log = std::make_shared<spdlog::logger>("loopback", std::make_shared<spdlog::sinks::null_sink_mt>());
    a = std::make_unique<bgp::Speaker>(io, a_config, log);
    b = std::make_unique<bgp::Speaker>(io, b_config, std::move(log));
}

LoopbackPair::~LoopbackPair() {
    // Cease to each other, and time for the NOTIFICATIONs to go out before the sockets close.
    a->stop();
    b->stop();
    io.restart();
    io.run_for(std::chrono::milliseconds(200));
}

void LoopbackPair::start() {
    const auto a_error = a->listen();
    INFO(a_error.value_or(""));
    REQUIRE_FALSE(a_error);
    const auto b_error = b->listen();
    INFO(b_error.value_or(""));
    REQUIRE_FALSE(b_error);
    a->start();
    b->start();
}

bool LoopbackPair::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.restart();
        io.run_for(std::chrono::milliseconds(5));
    }
    return done();
}

}  // namespace bgpemu::test

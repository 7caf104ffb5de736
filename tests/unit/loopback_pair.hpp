// Two speakers of this process over loopback TCP, the harness of the tests that run a
// real session without a daemon (config_test's loopback cases, churn_test).
//
// The port is one the kernel handed out as free on both addresses a moment before, so
// tests running at once (CTest -j) and other programs on the machine never collide on a
// fixed port. A speaker that cannot listen all the same fails the test (REQUIRE): such a
// test never reports passed without having run.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <spdlog/logger.h>

#include "bgp/speaker/speaker.hpp"

namespace bgpemu::test {

// A TCP port free on both loopback addresses (of the same family), or 0 when none was
// found in a few tries.
std::uint16_t free_port_on(const std::string& first_address, const std::string& second_address);

// `text` with every "{port}" replaced by `port`: a configuration written once for any port.
std::string with_port(std::string text, std::uint16_t port);

class LoopbackPair {
public:
    // The two speakers, not yet listening; `log` defaults to one that writes nothing.
    LoopbackPair(const bgp::SpeakerConfig& a, const bgp::SpeakerConfig& b, std::shared_ptr<spdlog::logger> log = {});
    ~LoopbackPair();
    LoopbackPair(const LoopbackPair&) = delete;
    LoopbackPair& operator=(const LoopbackPair&) = delete;

    // Both listen (REQUIRE: failing to is a failure), then both start.
    void start();
    // Runs the io_context until `done` holds or `limit` has passed; returns `done()`.
    bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(15));

    boost::asio::io_context io;
    std::unique_ptr<bgp::Speaker> a;
    std::unique_ptr<bgp::Speaker> b;
};

}  // namespace bgpemu::test

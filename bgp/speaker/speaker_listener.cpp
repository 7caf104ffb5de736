// The speaker's listening socket: the neighbours' TCP-MD5 keys on it, and the accepted
// connections handed to their sessions (or refused).
#include "bgp/speaker/speaker.hpp"

#include <spdlog/spdlog.h>

#include "bgp/session/transport_security.hpp"

namespace bgpemu::bgp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

tcp::endpoint to_endpoint(const TransportEndpoint& endpoint) {
    if (endpoint.address.is_v4()) return {asio::ip::address_v4(endpoint.address.v4_value()), endpoint.port};
    asio::ip::address_v6::bytes_type bytes;
    std::copy(endpoint.address.bytes().begin(), endpoint.address.bytes().end(), bytes.begin());
    return {asio::ip::address_v6(bytes), endpoint.port};
}

// Neighbours are found by their address as text; an IPv4 peer on a dual-stack socket
// arrives v4-mapped.
std::string address_key(const asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
    return address.to_string();
}

}  // namespace

void Speaker::install_listener_key(Neighbor& neighbor) {
    if (neighbor.config.password.empty()) return;
    const auto& peer = neighbor.config.remote.address;
    if (const auto ec = set_tcp_md5_key(acceptor_.native_handle(), !config_.listen.address.is_v4(), peer,
                                        neighbor.config.password)) {
        // Its connections are refused (accept_loop) rather than accepted unsigned.
        log_->warn("{}: cannot install the TCP-MD5 key for {} on the listening socket (TCP_MD5SIG): {}; "
                   "connections from it will be refused",
                   neighbor.config.name, peer.to_string(), ec.message());
        return;
    }
    neighbor.tcp_md5_on_listener = true;
}

void Speaker::remove_listener_key(Neighbor& neighbor) {
    if (!neighbor.tcp_md5_on_listener) return;
    neighbor.tcp_md5_on_listener = false;
    if (!acceptor_.is_open()) return;
    const auto& peer = neighbor.config.remote.address;
    // keylen 0 deletes the peer's key.
    if (const auto ec = set_tcp_md5_key(acceptor_.native_handle(), !config_.listen.address.is_v4(), peer, {}))
        log_->warn("{}: cannot remove the TCP-MD5 key for {} from the listening socket (TCP_MD5SIG): {}",
                   neighbor.config.name, peer.to_string(), ec.message());
}

std::optional<std::string> Speaker::listen() {
    const auto endpoint = to_endpoint(config_.listen);
    boost::system::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    // RFC 2385 keys before listen(): no unsigned SYN from a peer with a password is
    // ever accepted, the kernel drops it silently.
    if (!ec)
        for (auto& neighbor : neighbors_) install_listener_key(*neighbor);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return "speaker " + config_.name + ": cannot listen on " + config_.listen.address.to_string() + ":" +
               std::to_string(config_.listen.port) + ": " + ec.message();
    log_->debug("AS {}, listening on {}:{}", config_.asn, config_.listen.address.to_string(),
                config_.listen.port);
    accept_loop();
    return std::nullopt;
}

void Speaker::accept_loop() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || stopped_) return;
        if (!ec) {
            boost::system::error_code endpoint_error;
            const auto remote = socket.remote_endpoint(endpoint_error);
            const auto key = endpoint_error ? std::string() : address_key(remote.address());
            if (auto it = neighbors_by_address_.find(key); it != neighbors_by_address_.end()) {
                Neighbor& neighbor = *it->second;
                if (!neighbor.config.password.empty() && !neighbor.tcp_md5_on_listener) {
                    // The kernel could not check this connection's signature (see install_listener_key).
                    log_->warn("{}: refused connection from {}: its TCP-MD5 key is not on the listening socket",
                               neighbor.config.name, key);
                    socket.close(endpoint_error);
                } else {
                    neighbor.session->accept(std::move(socket));
                }
            } else {
                log_refusal(key.empty() ? "?" : key);
                socket.close(endpoint_error);
            }
        } else {
            log_->warn("accept: {}", ec.message());
        }
        accept_loop();
    });
}

void Speaker::log_refusal(const std::string& address) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_logged_ < std::chrono::seconds(10)) {
        ++refusals_not_logged_;
        return;
    }
    if (refusals_not_logged_ > 0)
        log_->warn("refused {} more connection(s) from addresses that are no neighbour in the last {} s", refusals_not_logged_,
                   std::chrono::duration_cast<std::chrono::seconds>(now - last_refusal_logged_).count());
    log_->warn("refused connection from {}: not a configured neighbour", address);
    refusals_not_logged_ = 0;
    last_refusal_logged_ = now;
}

}  // namespace bgpemu::bgp

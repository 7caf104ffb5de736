// bgpemu-bench-peer: a route injector and a receiver in one process, speaking BGP with
// bgpemu's own codec, for measuring how fast a device under test (DUT) carries routes
// from one peer to another. Also a load generator for users.
//
// Both sessions connect to the DUT (configure it passive for these peers). Once both
// are Established, the injector sends N IPv4 /24s (1.0.0.0/24 upwards) with about
// N / PREFIXES_PER_SET distinct attribute sets (AS paths of 2..6 ASNs, MED, a
// community), and the receiver counts distinct prefixes until it has all N; then the
// injector withdraws all N and the receiver counts them down to none. One line of JSON
// on stdout gives the times on one clock:
//
//   {"prefixes":N,"attribute_sets":S,"inject_s":..,"propagation_s":..,"withdrawal_s":..}
//
// propagation_s runs from the first UPDATE written to the moment the receiver has seen
// every prefix, withdrawal_s from the first withdrawal written to the moment it has
// seen every prefix withdrawn. Encoding happens before the clocks start.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bgp/wire/codec.hpp"
#include "bgp/wire/update_packer.hpp"

using namespace bgpemu;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string dut_address;
    std::uint16_t dut_port = 179;
    std::uint32_t dut_as = 0;
    std::string inject_from = "127.0.0.51";
    std::uint32_t inject_as = 65001;
    std::string receive_from = "127.0.0.52";
    std::uint32_t receive_as = 65002;
    std::string next_hop = "192.0.2.51";  // outside 127/8: FRR drops "martian" next hops
    std::uint32_t prefixes = 100000;
    std::uint32_t prefixes_per_set = 10;
    int timeout_s = 300;
};

[[noreturn]] void fail(const std::string& message) {
    std::cerr << "bgpemu-bench-peer: " << message << "\n";
    std::exit(1);
}

// One BGP session over a blocking socket. Sends are serialised by a mutex (the owner
// thread sends UPDATEs while the reader answers with KEEPALIVEs).
class PeerSession {
public:
    PeerSession(const std::string& name, const Options& options, const std::string& from, std::uint32_t as)
        : name_(name) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in local{};
        local.sin_family = AF_INET;
        if (::inet_pton(AF_INET, from.c_str(), &local.sin_addr) != 1) fail(name + ": bad address " + from);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0)
            fail(name + ": cannot bind " + from + ": " + std::strerror(errno));
        sockaddr_in remote{};
        remote.sin_family = AF_INET;
        remote.sin_port = htons(options.dut_port);
        if (::inet_pton(AF_INET, options.dut_address.c_str(), &remote.sin_addr) != 1)
            fail("bad DUT address " + options.dut_address);
        const auto deadline = Clock::now() + std::chrono::seconds(30);
        while (::connect(fd_, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
            if (Clock::now() > deadline) fail(name + ": cannot connect to the DUT: " + std::strerror(errno));
            ::close(fd_);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
        }
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

        bgp::OpenMessage open;
        open.my_as = as > 0xffff ? static_cast<std::uint16_t>(bgp::as_trans) : static_cast<std::uint16_t>(as);
        open.hold_time = 240;
        in_addr id{};
        ::inet_pton(AF_INET, from.c_str(), &id);
        open.bgp_identifier = ntohl(id.s_addr);
        open.capabilities.four_octet_as = as;
        open.capabilities.multiprotocol = {bgp::AfiSafi{bgp::Afi::ipv4, bgp::Safi::unicast}};
        open.capabilities.route_refresh = true;
        bgp::Bytes out;
        bgp::encode_open(open, out);
        send(out);
        // OPEN, then KEEPALIVE: Established.
        bool got_open = false;
        while (true) {
            const auto [type, message] = read_message(Clock::now() + std::chrono::seconds(30));
            if (type == 1) {
                got_open = true;
                out.clear();
                bgp::encode_keepalive(out);
                send(out);
            } else if (type == 4 && got_open) {
                break;
            } else if (type == 3) {
                notification(message);
            }
        }
    }
    ~PeerSession() {
        if (fd_ >= 0) ::close(fd_);
    }

    void send(const bgp::Bytes& bytes) {
        std::lock_guard lock(send_mutex_);
        const auto* data = reinterpret_cast<const char*>(bytes.data());
        for (std::size_t sent = 0; sent < bytes.size();) {
            const auto n = ::send(fd_, data + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) fail(name_ + ": send: " + std::strerror(errno));
            sent += static_cast<std::size_t>(n);
        }
    }

    // The next whole message (type, bytes), answering nothing. At the deadline: fails,
    // or with `quiet_timeout` returns type 0.
    std::pair<std::uint8_t, bgp::ByteSpan> read_message(Clock::time_point deadline, bool quiet_timeout = false) {
        for (;;) {
            const auto available = bgp::ByteSpan(buffer_.data() + begin_, end_ - begin_);
            if (auto header = bgp::read_frame_header(available, bgp::max_extended_message_size)) {
                if (!*header) fail(name_ + ": bad message header from the DUT");
                const auto length = header->value().length;
                if (available.size() >= length) {
                    begin_ += length;
                    return {header->value().type, available.subspan(0, length)};
                }
            }
            if (begin_ > 0 && (buffer_.size() - end_) < 65536) {
                std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
                end_ -= begin_;
                begin_ = 0;
            }
            if (buffer_.size() - end_ < 65536) buffer_.resize(buffer_.size() * 2 + 65536);
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0) {
                if (quiet_timeout) return {0, {}};
                fail(name_ + ": timed out waiting for the DUT");
            }
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000))) <= 0) continue;
            const auto n = ::recv(fd_, buffer_.data() + end_, buffer_.size() - end_, 0);
            if (n <= 0) fail(name_ + ": the DUT closed the session");
            end_ += static_cast<std::size_t>(n);
        }
    }

    [[noreturn]] void notification(bgp::ByteSpan message) {
        const auto decoded = bgp::decode_notification(message);
        fail(name_ + ": NOTIFICATION from the DUT: " + (decoded ? decoded.value().to_string() : "(malformed)"));
    }

private:
    std::string name_;
    int fd_ = -1;
    std::mutex send_mutex_;
    bgp::Bytes buffer_ = bgp::Bytes(1 << 20);
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
};

bgp::PathAttributes attribute_set(const Options& options, std::uint32_t set, const bgp::IpAddress& next_hop) {
    bgp::PathAttributes a;
    a.origin = bgp::Origin::igp;
    a.has_as_path = true;
    std::vector<std::uint32_t> path{options.inject_as};
    // Transit and origin ASNs come from the 4-octet private range (RFC 6996), which the
    // 2-octet ASNs of the DUT and the receiver can never be in: a path holding the DUT's
    // own AS would be dropped by its loop detection, and the receiver would wait forever.
    for (std::uint32_t i = 0; i < set % 5; ++i) path.push_back(4200000000U + (set * 7 + i) % 1000);
    path.push_back(4200100000U + set % 90000000U);  // the origin AS: one per set
    a.as_path = bgp::AsPath({bgp::AsPathSegment{bgp::AsPathSegmentType::as_sequence, std::move(path)}});
    a.next_hop = next_hop;
    a.med = set % 100;
    if (options.inject_as <= 0xffff) a.communities = {(options.inject_as << 16) | (set % 50)};
    return a;
}

std::uint32_t parse_u32(const char* text, const char* what) {
    char* end = nullptr;
    const auto value = std::strtoull(text, &end, 10);
    if (*end != '\0' || value > 0xffffffffULL) fail(std::string("bad ") + what + ": " + text);
    return static_cast<std::uint32_t>(value);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--help") {
            std::cout << "Usage: bgpemu-bench-peer --dut ADDR:PORT --dut-as AS [--inject-from ADDR] [--inject-as AS]\n"
                         "       [--receive-from ADDR] [--receive-as AS] [--next-hop ADDR] [--prefixes N]\n"
                         "       [--prefixes-per-set K] [--timeout SECONDS]\n";
            std::exit(0);
        }
        if (i + 1 >= argc) fail(arg + " needs a value");
        const char* value = argv[++i];
        if (arg == "--dut") {
            const std::string text = value;
            const auto colon = text.rfind(':');
            if (colon == std::string::npos) fail("--dut wants ADDR:PORT");
            o.dut_address = text.substr(0, colon);
            o.dut_port = static_cast<std::uint16_t>(parse_u32(text.c_str() + colon + 1, "port"));
        } else if (arg == "--dut-as") o.dut_as = parse_u32(value, "--dut-as");
        else if (arg == "--inject-from") o.inject_from = value;
        else if (arg == "--inject-as") o.inject_as = parse_u32(value, "--inject-as");
        else if (arg == "--receive-from") o.receive_from = value;
        else if (arg == "--receive-as") o.receive_as = parse_u32(value, "--receive-as");
        else if (arg == "--next-hop") o.next_hop = value;
        else if (arg == "--prefixes") o.prefixes = parse_u32(value, "--prefixes");
        else if (arg == "--prefixes-per-set") o.prefixes_per_set = std::max(1U, parse_u32(value, "--prefixes-per-set"));
        else if (arg == "--timeout") o.timeout_s = static_cast<int>(parse_u32(value, "--timeout"));
        else fail("unknown option " + arg + " (see --help)");
    }
    if (o.dut_address.empty()) fail("--dut ADDR:PORT is required");
    for (const auto as : {o.dut_as, o.inject_as, o.receive_as})
        if (as >= 4200000000U) fail("ASNs from 4200000000 up are the generated paths' own; pick another");
    if (o.prefixes == 0 || o.prefixes > (1U << 24)) fail("--prefixes must be 1..16777216");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    const auto next_hop = bgp::IpAddress::parse(options.next_hop);
    if (!next_hop || !next_hop->is_v4()) fail("--next-hop must be an IPv4 address");

    // Encode everything first: the clock measures the DUT, not us.
    bgp::Bytes updates;
    bgp::Bytes withdrawals;
    std::uint32_t sets = 0;
    {
        bgp::UpdatePacker packer(bgp::EncodeContext{});
        std::vector<bgp::Nlri> batch;
        std::vector<bgp::Nlri> all;
        for (std::uint32_t first = 0; first < options.prefixes; first += options.prefixes_per_set) {
            batch.clear();
            for (std::uint32_t i = first; i < std::min(options.prefixes, first + options.prefixes_per_set); ++i)
                batch.push_back(bgp::Nlri{bgp::Prefix::make(bgp::IpAddress::v4(0x01000000U + (i << 8)), 24), 0});
            packer.announce(attribute_set(options, sets++, *next_hop), batch, {bgp::Afi::ipv4, bgp::Safi::unicast},
                            updates);
            all.insert(all.end(), batch.begin(), batch.end());
        }
        packer.withdraw(all, {bgp::Afi::ipv4, bgp::Safi::unicast}, withdrawals);
    }

    PeerSession receiver("receiver", options, options.receive_from, options.receive_as);
    PeerSession injector("injector", options, options.inject_from, options.inject_as);

    std::atomic<bool> announced{false};  // the receiver has every prefix
    std::atomic<bool> done{false};       // and then has seen every one withdrawn
    Clock::time_point all_received;
    Clock::time_point all_withdrawn;
    const auto deadline = Clock::now() + std::chrono::seconds(options.timeout_s);
    std::thread receiving([&] {
        std::vector<std::uint8_t> seen(options.prefixes, 0);
        std::uint32_t count = 0;
        bgp::UpdateMessage update;
        bgp::DecodeContext context;
        auto last_keepalive = Clock::now();
        const auto mark = [&](const std::vector<bgp::Nlri>& list, std::uint8_t value) {
            for (const auto& nlri : list) {
                if (!nlri.prefix.address().is_v4() || nlri.prefix.length() != 24) continue;
                const auto index = (nlri.prefix.address().v4_value() - 0x01000000U) >> 8;
                if (index >= options.prefixes || seen[index] == value) continue;
                seen[index] = value;
                value ? ++count : --count;
            }
        };
        const auto finished = [&] {
            if (!announced && count == options.prefixes) {
                all_received = Clock::now();
                announced = true;
            }
            return announced && count == 0;
        };
        while (!finished()) {
            const auto [type, message] = receiver.read_message(deadline);
            if (type == 3) receiver.notification(message);
            if (type != 2) continue;
            if (auto error = bgp::decode_update(message, context, update)) fail("receiver: bad UPDATE from the DUT");
            mark(update.withdrawn, 0);
            mark(update.mp_unreach, 0);
            if (!update.treat_as_withdraw) {
                mark(update.nlri, 1);
                mark(update.mp_reach, 1);
            }
            if (Clock::now() - last_keepalive > std::chrono::seconds(30)) {
                bgp::Bytes keepalive;
                bgp::encode_keepalive(keepalive);
                receiver.send(keepalive);
                last_keepalive = Clock::now();
            }
        }
        all_withdrawn = Clock::now();
        done = true;
    });
    // The injector's side: keep its session alive and fail loudly on a NOTIFICATION.
    std::thread injector_reader([&] {
        auto last_keepalive = Clock::now();
        while (!done) {
            if (Clock::now() > deadline) fail("timed out: the receiver did not see every prefix come and go");
            const auto [type, message] = injector.read_message(Clock::now() + std::chrono::seconds(1), true);
            if (type == 3) injector.notification(message);
            if (Clock::now() - last_keepalive > std::chrono::seconds(30)) {
                bgp::Bytes keepalive;
                bgp::encode_keepalive(keepalive);
                injector.send(keepalive);
                last_keepalive = Clock::now();
            }
        }
    });

    const auto start = Clock::now();
    injector.send(updates);
    const auto injected = Clock::now();
    while (!announced) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto withdrawing = Clock::now();
    injector.send(withdrawals);
    receiving.join();
    injector_reader.detach();  // blocked in poll for at most a second; the process ends now

    const auto seconds = [](Clock::time_point from, Clock::time_point to) { return std::chrono::duration<double>(to - from).count(); };
    std::printf("{\"prefixes\":%u,\"attribute_sets\":%u,\"update_bytes\":%zu,\"inject_s\":%.3f,\"propagation_s\":%.3f,"
                "\"withdrawal_s\":%.3f}\n",
                options.prefixes, sets, updates.size(), seconds(start, injected), seconds(start, all_received),
                seconds(withdrawing, all_withdrawn));
    std::fflush(stdout);
    std::_Exit(0);
}

#include "daemon/bmp/bmp_messages.hpp"

namespace bgpemu::daemon::bmp {

namespace {

// Information TLVs (RFC 7854 §4.4): type, length, value.
namespace info_type {
constexpr std::uint16_t string = 0;
constexpr std::uint16_t sys_descr = 1;
constexpr std::uint16_t sys_name = 2;
constexpr std::uint16_t table_name = 3;  // RFC 9069 §4.3
}  // namespace info_type

// Writes the common header with a length patched in when the message is done.
class Message {
public:
    Message(bgp::Bytes& out, MessageType type) : out_(out), start_(out.size()), writer_(out) {
        writer_.put_u8(version);
        writer_.put_u32(0);
        writer_.put_u8(static_cast<std::uint8_t>(type));
    }
    ~Message() {
        const auto length = static_cast<std::uint32_t>(out_.size() - start_);
        for (int i = 0; i < 4; ++i) out_[start_ + 1 + i] = std::byte(length >> (24 - 8 * i));
    }
    Message(const Message&) = delete;
    Message& operator=(const Message&) = delete;
    bgp::WireWriter& writer() { return writer_; }

private:
    bgp::Bytes& out_;
    std::size_t start_;
    bgp::WireWriter writer_;
};

void put_address(bgp::WireWriter& w, const bgp::IpAddress& address) {
    // IPv4 in the last four of the sixteen bytes (RFC 7854 §4.2).
    if (address.is_v4()) {
        w.put_zeros(12);
        w.put_u32(address.v4_value());
    } else {
        w.put_bytes(std::as_bytes(std::span(address.bytes())));
    }
}

void put_peer_header(bgp::WireWriter& w, const PeerHeader& peer) {
    w.put_u8(static_cast<std::uint8_t>(peer.type));
    std::uint8_t flags = peer.flags;
    // For the Loc-RIB the first flag means "filtered" (RFC 9069 §4.2), not IPv6.
    if (peer.type != PeerType::loc_rib && !peer.address.is_v4()) flags |= peer_flag::ipv6;
    w.put_u8(flags);
    w.put_u32(static_cast<std::uint32_t>(peer.distinguisher >> 32));
    w.put_u32(static_cast<std::uint32_t>(peer.distinguisher));
    put_address(w, peer.address);
    w.put_u32(peer.as);
    w.put_u32(peer.bgp_id);
    w.put_u32(peer.seconds);
    w.put_u32(peer.microseconds);
}

void put_tlv(bgp::WireWriter& w, std::uint16_t type, std::string_view value) {
    w.put_u16(type);
    w.put_u16(static_cast<std::uint16_t>(value.size()));
    w.put_bytes(std::as_bytes(std::span(value.data(), value.size())));
}

}  // namespace

void encode_initiation(std::string_view sys_name, std::string_view sys_descr, bgp::Bytes& out) {
    Message message(out, MessageType::initiation);
    put_tlv(message.writer(), info_type::sys_descr, sys_descr);
    put_tlv(message.writer(), info_type::sys_name, sys_name);
}

void encode_termination(std::uint16_t reason, std::string_view text, bgp::Bytes& out) {
    Message message(out, MessageType::termination);
    auto& w = message.writer();
    if (!text.empty()) put_tlv(w, info_type::string, text);
    w.put_u16(1);  // Reason
    w.put_u16(2);
    w.put_u16(reason);
}

void encode_peer_up(const PeerHeader& peer, const bgp::IpAddress& local_address, std::uint16_t local_port,
                    std::uint16_t remote_port, bgp::ByteSpan sent_open, bgp::ByteSpan received_open,
                    std::string_view table_name, bgp::Bytes& out) {
    Message message(out, MessageType::peer_up);
    auto& w = message.writer();
    put_peer_header(w, peer);
    put_address(w, local_address);
    w.put_u16(local_port);
    w.put_u16(remote_port);
    w.put_bytes(sent_open);
    w.put_bytes(received_open);
    if (!table_name.empty()) put_tlv(w, info_type::table_name, table_name);
}

void encode_peer_down(const PeerHeader& peer, std::uint8_t reason, bgp::ByteSpan data, bgp::Bytes& out) {
    Message message(out, MessageType::peer_down);
    put_peer_header(message.writer(), peer);
    message.writer().put_u8(reason);
    message.writer().put_bytes(data);
}

void encode_route_monitoring(const PeerHeader& peer, bgp::ByteSpan update, bgp::Bytes& out) {
    Message message(out, MessageType::route_monitoring);
    put_peer_header(message.writer(), peer);
    message.writer().put_bytes(update);
}

void encode_statistics(const PeerHeader& peer, std::span<const Statistic> statistics, bgp::Bytes& out) {
    Message message(out, MessageType::statistics_report);
    auto& w = message.writer();
    put_peer_header(w, peer);
    w.put_u32(static_cast<std::uint32_t>(statistics.size()));
    for (const auto& stat : statistics) {
        w.put_u16(stat.type);
        if (stat.gauge64) {
            w.put_u16(8);
            w.put_u32(static_cast<std::uint32_t>(stat.value >> 32));
            w.put_u32(static_cast<std::uint32_t>(stat.value));
        } else {
            w.put_u16(4);
            w.put_u32(static_cast<std::uint32_t>(stat.value));
        }
    }
}

std::optional<CommonHeader> read_common_header(bgp::ByteSpan bytes) {
    if (bytes.size() < common_header_bytes || std::to_integer<std::uint8_t>(bytes[0]) != version) return std::nullopt;
    std::uint32_t length = 0;
    for (int i = 1; i <= 4; ++i) length = (length << 8) | std::to_integer<std::uint32_t>(bytes[i]);
    const auto type = std::to_integer<std::uint8_t>(bytes[5]);
    if (length < common_header_bytes || type > static_cast<std::uint8_t>(MessageType::termination)) return std::nullopt;
    return CommonHeader{static_cast<MessageType>(type), length};
}

}  // namespace bgpemu::daemon::bmp

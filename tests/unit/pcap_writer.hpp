// A pcap file of TCP segments we make up, for tshark to dissect what we encode: the
// BGP messages of codec_pcap_test, the BMP stream of tests/integration/bmp_test.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "bgp/wire/bytes.hpp"

namespace bgpemu::test {

using bgp::Bytes;
using bgp::ByteSpan;

// libpcap's classic format: a 24-octet global header, then per packet a 16-octet record
// header and the frame. Both headers are little-endian (we write the magic that way);
// everything inside the frame is network order.

class PcapWriter {
public:
    // The one direction the segments go: client to server, IPv4.
    struct Flow {
        std::uint32_t client_address = 0x7f000001;  // 127.0.0.1
        std::uint32_t server_address = 0x7f000002;  // 127.0.0.2
        std::uint16_t client_port = 50000;
        std::uint16_t server_port = 179;
    };

    explicit PcapWriter(Flow flow) : flow_(flow) {
        put_le32(0xa1b2c3d4);  // magic: microsecond timestamps
        put_le16(2);           // version 2.4
        put_le16(4);
        put_le32(0);           // thiszone
        put_le32(0);           // sigfigs
        put_le32(65535);       // snaplen
        put_le32(1);           // LINKTYPE_ETHERNET
    }

    // Appends one Ethernet/IPv4/TCP frame carrying `payload` from client to server, with
    // PSH|ACK set and the sequence number advancing by the payload length.
    void add_segment(ByteSpan payload) {
        Bytes frame;
        // Ethernet II: locally administered MACs, EtherType IPv4.
        for (const unsigned octet : {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00}) frame.push_back(std::byte(octet));

        const std::size_t ip_start = frame.size();
        const auto total_length = static_cast<std::uint16_t>(ip_header_size + tcp_header_size + payload.size());
        put_be(frame, 0x4500, 2);          // version 4, IHL 5, DSCP/ECN 0
        put_be(frame, total_length, 2);
        put_be(frame, ++ip_id_, 2);
        put_be(frame, 0x4000, 2);          // DF, fragment offset 0
        put_be(frame, 0x4006, 2);          // TTL 64, protocol TCP
        put_be(frame, 0, 2);               // header checksum, filled in below
        put_be(frame, flow_.client_address, 4);
        put_be(frame, flow_.server_address, 4);
        const auto ip_checksum = internet_checksum(ByteSpan(frame).subspan(ip_start, ip_header_size), 0);
        patch_be16(frame, ip_start + 10, ip_checksum);

        const std::size_t tcp_start = frame.size();
        put_be(frame, flow_.client_port, 2);
        put_be(frame, flow_.server_port, 2);
        put_be(frame, sequence_, 4);
        put_be(frame, 1, 4);               // acknowledgment number: the server sends nothing here
        put_be(frame, 0x5018, 2);          // data offset 5, flags PSH|ACK
        put_be(frame, 65535, 2);           // window
        put_be(frame, 0, 2);               // checksum, filled in below
        put_be(frame, 0, 2);               // urgent pointer
        frame.insert(frame.end(), payload.begin(), payload.end());
        // RFC 793 §3.1: the checksum covers a pseudo-header (addresses, protocol, TCP length).
        const auto tcp_length = static_cast<std::uint32_t>(tcp_header_size + payload.size());
        const std::uint32_t pseudo = (flow_.client_address >> 16) + (flow_.client_address & 0xffff) + (flow_.server_address >> 16) +
                                     (flow_.server_address & 0xffff) + 6 + tcp_length;
        patch_be16(frame, tcp_start + 16, internet_checksum(ByteSpan(frame).subspan(tcp_start), pseudo));
        sequence_ += static_cast<std::uint32_t>(payload.size());

        // Record header: a fixed, advancing timestamp keeps the file reproducible.
        ++packets_;
        put_le32(1700000000);
        put_le32(packets_ * 1000);
        put_le32(static_cast<std::uint32_t>(frame.size()));
        put_le32(static_cast<std::uint32_t>(frame.size()));
        file_.insert(file_.end(), frame.begin(), frame.end());
    }

    void write(const std::filesystem::path& path) const {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(file_.data()), static_cast<std::streamsize>(file_.size()));
        if (!out) throw std::runtime_error("cannot write " + path.string());
    }

private:
    static constexpr std::size_t ip_header_size = 20;
    static constexpr std::size_t tcp_header_size = 20;

    static void put_be(Bytes& out, std::uint32_t value, int octets) {
        for (int shift = 8 * (octets - 1); shift >= 0; shift -= 8) out.push_back(std::byte((value >> shift) & 0xff));
    }
    static void patch_be16(Bytes& out, std::size_t position, std::uint16_t value) {
        out[position] = std::byte(value >> 8);
        out[position + 1] = std::byte(value & 0xff);
    }
    // RFC 1071: one's complement of the one's complement sum of 16-bit words.
    static std::uint16_t internet_checksum(ByteSpan data, std::uint32_t initial) {
        std::uint32_t sum = initial;
        for (std::size_t i = 0; i < data.size(); i += 2) {
            const unsigned high = std::to_integer<unsigned>(data[i]);
            const unsigned low = i + 1 < data.size() ? std::to_integer<unsigned>(data[i + 1]) : 0;
            sum += (high << 8) | low;
        }
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        return static_cast<std::uint16_t>(~sum & 0xffff);
    }
    void put_le16(std::uint16_t value) {
        file_.push_back(std::byte(value & 0xff));
        file_.push_back(std::byte(value >> 8));
    }
    void put_le32(std::uint32_t value) {
        put_le16(static_cast<std::uint16_t>(value & 0xffff));
        put_le16(static_cast<std::uint16_t>(value >> 16));
    }

    Flow flow_;
    Bytes file_;
    std::uint32_t sequence_ = 1000;
    std::uint16_t ip_id_ = 0;
    std::uint32_t packets_ = 0;
};

}  // namespace bgpemu::test

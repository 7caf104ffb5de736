// Conformance against an independent implementation: Wireshark's BGP dissector.
//
// We encode one of every message type (tests/unit/message_samples.hpp), write them into a
// pcap file as one TCP segment each from 127.0.0.1:50000 to 127.0.0.2:179, and ask tshark
// to dissect it. Every frame must come out as BGP with the message type we sent, and
// with no Malformed mark and no expert info of Warning or Error severity. tshark checks
// the IPv4 and TCP checksums too (both are switched on below), so the framing we write
// is held to the same standard as the BGP inside it.
//
// A negative control corrupts one length field and expects tshark to flag it, so this
// test cannot pass just because tshark's output format changed under us.
//
// Without tshark the binary exits 77, which CTest reports as skipped (SKIP_RETURN_CODE;
// see codec_pcap_main.cpp). The pcap is left in the working directory
// (codec_pcap_test.pcap) for a look in Wireshark.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "hex.hpp"
#include "message_samples.hpp"

namespace bgpemu::test {

// Also called by main (codec_pcap_main.cpp) to decide whether to skip.
std::optional<std::filesystem::path> find_tshark() {
    const char* path = std::getenv("PATH");
    std::stringstream directories(path ? path : "/usr/bin:/bin");
    std::string directory;
    while (std::getline(directories, directory, ':')) {
        if (directory.empty()) continue;
        const auto candidate = std::filesystem::path(directory) / "tshark";
        std::error_code error;
        if (std::filesystem::is_regular_file(candidate, error)) return candidate;
    }
    return std::nullopt;
}

}  // namespace bgpemu::test

namespace {

using namespace bgpemu;
using bgp::Bytes;
using bgp::ByteSpan;

// ---- pcap writing ----------------------------------------------------------
// libpcap's classic format: a 24-octet global header, then per packet a 16-octet record
// header and the frame. Both headers are little-endian (we write the magic that way);
// everything inside the frame is network order.

class PcapWriter {
public:
    PcapWriter() {
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
        const Bytes ethernet = test::as_bytes({0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00});
        frame.insert(frame.end(), ethernet.begin(), ethernet.end());

        const std::size_t ip_start = frame.size();
        const auto total_length = static_cast<std::uint16_t>(ip_header_size + tcp_header_size + payload.size());
        put_be(frame, 0x4500, 2);          // version 4, IHL 5, DSCP/ECN 0
        put_be(frame, total_length, 2);
        put_be(frame, ++ip_id_, 2);
        put_be(frame, 0x4000, 2);          // DF, fragment offset 0
        put_be(frame, 0x4006, 2);          // TTL 64, protocol TCP
        put_be(frame, 0, 2);               // header checksum, filled in below
        put_be(frame, client_address, 4);
        put_be(frame, server_address, 4);
        const auto ip_checksum = internet_checksum(ByteSpan(frame).subspan(ip_start, ip_header_size), 0);
        patch_be16(frame, ip_start + 10, ip_checksum);

        const std::size_t tcp_start = frame.size();
        put_be(frame, client_port, 2);
        put_be(frame, server_port, 2);
        put_be(frame, sequence_, 4);
        put_be(frame, 1, 4);               // acknowledgment number: the server sends nothing here
        put_be(frame, 0x5018, 2);          // data offset 5, flags PSH|ACK
        put_be(frame, 65535, 2);           // window
        put_be(frame, 0, 2);               // checksum, filled in below
        put_be(frame, 0, 2);               // urgent pointer
        frame.insert(frame.end(), payload.begin(), payload.end());
        // RFC 793 §3.1: the checksum covers a pseudo-header (addresses, protocol, TCP length).
        const auto tcp_length = static_cast<std::uint32_t>(tcp_header_size + payload.size());
        const std::uint32_t pseudo = (client_address >> 16) + (client_address & 0xffff) + (server_address >> 16) +
                                     (server_address & 0xffff) + 6 + tcp_length;
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
    static constexpr std::uint32_t client_address = 0x7f000001;  // 127.0.0.1
    static constexpr std::uint32_t server_address = 0x7f000002;  // 127.0.0.2
    static constexpr std::uint16_t client_port = 50000;
    static constexpr std::uint16_t server_port = 179;

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

    Bytes file_;
    std::uint32_t sequence_ = 1000;
    std::uint16_t ip_id_ = 0;
    std::uint32_t packets_ = 0;
};

// ---- running tshark --------------------------------------------------------

// Expert info severities as tshark prints them (epan/proto.h PI_SEVERITY_MASK values).
constexpr unsigned long severity_warn = 0x00600000;

struct DissectedFrame {
    int number = 0;
    std::vector<std::string> bgp_types;   // one per BGP message in the frame
    std::vector<unsigned long> severities;
    std::string expert_messages;
    std::string malformed;                // non-empty when tshark marked the frame malformed
    std::string line;                     // the raw line, for failure messages
};

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::stringstream stream(text);
    while (std::getline(stream, part, separator)) parts.push_back(part);
    if (!text.empty() && text.back() == separator) parts.emplace_back();
    return parts;
}

std::string shell_quote(const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted + "'";
}

std::vector<DissectedFrame> dissect(const std::filesystem::path& tshark, const std::filesystem::path& pcap) {
    // Fields, tab-separated, every occurrence joined with '|'. Checksum validation is off by
    // default in Wireshark; switch it on so our own IPv4/TCP framing is checked as well.
    const std::string command = shell_quote(tshark.string()) + " -n -r " + shell_quote(pcap.string()) +
                                " -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE"
                                " -T fields -E separator=/t -E occurrence=a -E aggregator='|'"
                                " -e frame.number -e bgp.type -e _ws.expert.severity -e _ws.expert.message"
                                " -e _ws.malformed 2>" +
                                shell_quote(pcap.string() + ".stderr");
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) throw std::runtime_error("cannot run " + command);
    std::string output;
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) output.append(buffer, n);
    const int status = pclose(pipe.release());
    if (status != 0) throw std::runtime_error("tshark failed (status " + std::to_string(status) + "): " + command);

    std::vector<DissectedFrame> frames;
    std::stringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        const auto fields = split(line, '\t');
        DissectedFrame frame;
        frame.line = line;
        frame.number = std::stoi(fields.at(0));
        if (fields.size() > 1 && !fields[1].empty()) frame.bgp_types = split(fields[1], '|');
        if (fields.size() > 2 && !fields[2].empty())
            for (const auto& severity : split(fields[2], '|')) frame.severities.push_back(std::stoul(severity));
        if (fields.size() > 3) frame.expert_messages = fields[3];
        if (fields.size() > 4) frame.malformed = fields[4];
        frames.push_back(std::move(frame));
    }
    return frames;
}

std::filesystem::path write_pcap(const std::vector<test::MessageSample>& samples, const std::string& name) {
    PcapWriter pcap;
    for (const auto& sample : samples) pcap.add_segment(sample.wire);
    const auto path = std::filesystem::current_path() / name;
    pcap.write(path);
    return path;
}

bool has_warning_or_error(const DissectedFrame& frame) {
    for (auto severity : frame.severities)
        if (severity >= severity_warn) return true;
    return false;
}

std::filesystem::path tshark_binary() {
    const auto path = test::find_tshark();
    if (!path) throw std::runtime_error("tshark not found in PATH");
    return *path;
}

}  // namespace

TEST_CASE("tshark dissects one of every message type we encode as well-formed BGP", "[pcap][tshark]") {
    const auto samples = test::every_message_type();
    const auto pcap = write_pcap(samples, "codec_pcap_test.pcap");
    const auto frames = dissect(tshark_binary(), pcap);
    INFO("pcap: " << pcap);

    REQUIRE(frames.size() == samples.size());
    for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto& sample = samples[i];
        const auto& frame = frames[i];
        INFO("frame " << frame.number << " (" << sample.name << ", " << sample.wire.size()
                      << " bytes): " << test::to_hex(sample.wire));
        INFO("tshark: " << frame.line);
        CHECK(frame.number == static_cast<int>(i + 1));
        REQUIRE(frame.bgp_types.size() == 1);
        CHECK(frame.bgp_types[0] == std::to_string(static_cast<int>(sample.type)));
        CHECK(frame.malformed.empty());
        CHECK_FALSE(has_warning_or_error(frame));
    }
}

TEST_CASE("the tshark check flags a corrupted UPDATE (negative control)", "[pcap][tshark]") {
    auto samples = test::every_message_type();
    auto& update = samples.at(1);
    REQUIRE(update.type == bgp::MessageType::update);
    // Total Path Attribute Length follows the Withdrawn Routes field (RFC 4271 §4.3);
    // claim 0xffff octets, far past the end of the message.
    const std::size_t withdrawn_length = (std::to_integer<std::size_t>(update.wire.at(19)) << 8) |
                                         std::to_integer<std::size_t>(update.wire.at(20));
    const std::size_t attributes_length_at = bgp::header_size + 2 + withdrawn_length;
    update.wire.at(attributes_length_at) = std::byte{0xff};
    update.wire.at(attributes_length_at + 1) = std::byte{0xff};

    const auto pcap = write_pcap(samples, "codec_pcap_test_corrupted.pcap");
    const auto frames = dissect(tshark_binary(), pcap);
    REQUIRE(frames.size() == samples.size());
    INFO("tshark: " << frames[1].line);
    CHECK((!frames[1].malformed.empty() || has_warning_or_error(frames[1])));
    // The untouched neighbours still dissect cleanly: the corruption stays in its frame.
    CHECK(frames[0].malformed.empty());
    CHECK(frames[2].malformed.empty());
}

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
#include "pcap_writer.hpp"

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
    test::PcapWriter pcap(test::PcapWriter::Flow{});
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

// AS_PATH as a value: the text form used by config and the CLI, the queries the decision
// process asks (RFC 4271 §9.1.2.2, RFC 5065 §5.3), the wire form of AS_PATH / AS4_PATH
// values (RFC 4271 §4.3, RFC 6793) and the RFC 6793 §4.2.3 AS4_PATH reconstruction.
#include <algorithm>
#include <charconv>

#include "bgp/wire/attributes_codec.hpp"

namespace bgpemu::bgp {

namespace {

constexpr std::size_t max_segment_asns = 255;  // the segment length field is one octet

[[nodiscard]] constexpr bool is_confederation(AsPathSegmentType type) noexcept {
    return type == AsPathSegmentType::confed_sequence || type == AsPathSegmentType::confed_set;
}

[[nodiscard]] constexpr bool is_set(AsPathSegmentType type) noexcept {
    return type == AsPathSegmentType::as_set || type == AsPathSegmentType::confed_set;
}

[[nodiscard]] bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

// Reads one decimal ASN at `text[pos]`, advancing `pos`; nullopt if there is none or it
// does not fit 32 bits.
std::optional<std::uint32_t> read_asn(std::string_view text, std::size_t& pos) {
    std::uint32_t value = 0;
    const char* first = text.data() + pos;
    const char* last = text.data() + text.size();
    const auto [end, error] = std::from_chars(first, last, value);
    if (error != std::errc{} || end == first) return std::nullopt;
    pos += static_cast<std::size_t>(end - first);
    return value;
}

// Parses the members of a bracketed segment, "{1,2}" or "(1 2)", starting after the
// opening bracket; `pos` ends after the closing one.
std::optional<AsPathSegment> read_bracketed(std::string_view text, std::size_t& pos, AsPathSegmentType type,
                                            char closing) {
    AsPathSegment segment{type, {}};
    while (pos < text.size()) {
        const char c = text[pos];
        if (is_space(c) || c == ',') {
            ++pos;
        } else if (c == closing) {
            ++pos;
            if (segment.asns.empty()) return std::nullopt;
            return segment;
        } else {
            const auto asn = read_asn(text, pos);
            if (!asn) return std::nullopt;
            segment.asns.push_back(*asn);
        }
    }
    return std::nullopt;  // unterminated
}

void append_segment_text(const AsPathSegment& segment, std::string& out) {
    const char* open = "";
    const char* close = "";
    switch (segment.type) {
        case AsPathSegmentType::as_sequence: break;
        case AsPathSegmentType::as_set: open = "{"; close = "}"; break;
        case AsPathSegmentType::confed_sequence: open = "("; close = ")"; break;
        case AsPathSegmentType::confed_set: open = "["; close = "]"; break;
    }
    const char separator = is_set(segment.type) ? ',' : ' ';
    out += open;
    for (std::size_t i = 0; i < segment.asns.size(); ++i) {
        if (i > 0) out += separator;
        out += std::to_string(segment.asns[i]);
    }
    out += close;
}

}  // namespace

std::optional<AsPath> AsPath::parse(std::string_view text) {
    std::vector<AsPathSegment> segments;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const char c = text[pos];
        if (is_space(c)) {
            ++pos;
            continue;
        }
        std::optional<AsPathSegment> bracketed;
        if (c == '{') {
            bracketed = read_bracketed(text, ++pos, AsPathSegmentType::as_set, '}');
        } else if (c == '(') {
            bracketed = read_bracketed(text, ++pos, AsPathSegmentType::confed_sequence, ')');
        } else if (c == '[') {
            bracketed = read_bracketed(text, ++pos, AsPathSegmentType::confed_set, ']');
        } else {
            const auto asn = read_asn(text, pos);
            if (!asn) return std::nullopt;
            // Bare numbers extend the AS_SEQUENCE they follow.
            if (segments.empty() || segments.back().type != AsPathSegmentType::as_sequence)
                segments.push_back({AsPathSegmentType::as_sequence, {}});
            segments.back().asns.push_back(*asn);
            continue;
        }
        if (!bracketed) return std::nullopt;
        segments.push_back(std::move(*bracketed));
    }
    return AsPath(std::move(segments));
}

unsigned AsPath::decision_length() const noexcept {
    // RFC 4271 §9.1.2.2 a: an AS_SET counts 1 however large; RFC 5065 §5.3: confederation
    // segments do not count.
    unsigned length = 0;
    for (const auto& segment : segments_) {
        if (segment.type == AsPathSegmentType::as_sequence) {
            length += static_cast<unsigned>(segment.asns.size());
        } else if (segment.type == AsPathSegmentType::as_set) {
            length += 1;
        }
    }
    return length;
}

std::uint32_t AsPath::neighbour_as() const noexcept {
    // Leading confederation segments describe hops inside our own confederation
    // (RFC 5065 §5.3), so the neighbouring AS is the first one after them.
    for (const auto& segment : segments_) {
        if (is_confederation(segment.type)) continue;
        if (segment.type == AsPathSegmentType::as_sequence && !segment.asns.empty()) return segment.asns.front();
        return 0;
    }
    return 0;
}

std::uint32_t AsPath::origin_as() const noexcept {
    // RFC 6811 §2: the origin is the last AS of a path that ends in an AS_SEQUENCE; a path
    // ending in an AS_SET (an aggregate) has no single origin.
    if (segments_.empty()) return 0;
    const auto& last = segments_.back();
    if (last.type != AsPathSegmentType::as_sequence || last.asns.empty()) return 0;
    return last.asns.back();
}

unsigned AsPath::count(std::uint32_t asn) const noexcept {
    unsigned n = 0;
    for (const auto& segment : segments_)
        n += static_cast<unsigned>(std::count(segment.asns.begin(), segment.asns.end(), asn));
    return n;
}

void AsPath::prepend(std::uint32_t asn, unsigned times) {
    if (times == 0) return;
    if (segments_.empty() || segments_.front().type != AsPathSegmentType::as_sequence)
        segments_.insert(segments_.begin(), AsPathSegment{AsPathSegmentType::as_sequence, {}});
    auto& asns = segments_.front().asns;
    asns.insert(asns.begin(), times, asn);
}

std::string AsPath::to_string() const {
    std::string out;
    for (const auto& segment : segments_) {
        if (segment.asns.empty()) continue;
        if (!out.empty()) out += ' ';
        append_segment_text(segment, out);
    }
    return out;
}

// ---- RFC 6793 §4.2.3 ---------------------------------------------------------------

AsPath merge_as4_path(const AsPath& as_path, const AsPath& as4_path) {
    // An AS4_PATH never carries confederation segments (RFC 6793 §6); ignore any.
    AsPath as4 = as4_path;
    update_codec::strip_confederation_segments(as4);

    // "If the number of AS numbers in the AS_PATH attribute is less than the number of AS
    // numbers in the AS4_PATH attribute, then the AS4_PATH attribute SHALL be ignored."
    // Counting follows RFC 4271 §9.1.2.2 (AS_SET = 1, confederation segments = 0).
    const unsigned path_count = as_path.decision_length();
    const unsigned as4_count = as4.decision_length();
    if (path_count < as4_count) return as_path;

    // Otherwise take as many ASNs and segments from the front of AS_PATH as make the
    // counts equal, then the AS4_PATH. A confederation segment comes along, free, when it
    // leads or follows a segment that was taken.
    unsigned wanted = path_count - as4_count;
    std::vector<AsPathSegment> merged;
    for (const auto& segment : as_path.segments()) {
        if (is_confederation(segment.type)) {
            merged.push_back(segment);
            continue;
        }
        if (wanted == 0) break;
        if (segment.type == AsPathSegmentType::as_set) {
            merged.push_back(segment);
            --wanted;
            continue;
        }
        if (segment.asns.size() <= wanted) {
            merged.push_back(segment);
            wanted -= static_cast<unsigned>(segment.asns.size());
            continue;
        }
        merged.push_back({segment.type, {segment.asns.begin(), segment.asns.begin() + wanted}});
        break;
    }
    const auto& tail = as4.segments();
    auto next = tail.begin();
    // Where the two parts meet, an AS_SEQUENCE continuing an AS_SEQUENCE is one sequence.
    if (next != tail.end() && !merged.empty() && merged.back().type == AsPathSegmentType::as_sequence &&
        next->type == AsPathSegmentType::as_sequence) {
        merged.back().asns.insert(merged.back().asns.end(), next->asns.begin(), next->asns.end());
        ++next;
    }
    merged.insert(merged.end(), next, tail.end());
    return AsPath(std::move(merged));
}

// ---- Wire form ----------------------------------------------------------------------

namespace update_codec {

const char* decode_as_path_value(WireReader value, unsigned asn_size, AsPath& out) {
    auto& segments = out.mutable_segments();
    segments.clear();
    while (!value.empty()) {
        std::uint8_t type = 0;
        std::uint8_t count = 0;
        if (!value.read_u8(type) || !value.read_u8(count)) return "AS_PATH segment header truncated";
        if (type < 1 || type > 4) return "unrecognized AS_PATH segment type";
        if (count == 0) return "zero-length AS_PATH segment";
        if (value.remaining() < std::size_t{count} * asn_size) return "AS_PATH segment overruns the attribute";

        const auto segment_type = static_cast<AsPathSegmentType>(type);
        // A full sequence followed by another of the same type is how an encoder splits a
        // long one (255 ASNs per segment); join them back so the value round-trips.
        const bool continues = !segments.empty() && segments.back().type == segment_type && !is_set(segment_type) &&
                               segments.back().asns.size() % max_segment_asns == 0;
        if (!continues) segments.push_back({segment_type, {}});
        auto& asns = segments.back().asns;
        asns.reserve(asns.size() + count);
        for (unsigned i = 0; i < count; ++i) {
            std::uint32_t asn = 0;
            if (asn_size == 4) {
                (void)value.read_u32(asn);  // length checked above
            } else {
                std::uint16_t asn16 = 0;
                (void)value.read_u16(asn16);
                asn = asn16;
            }
            // RFC 7607 §2: AS 0 in AS_PATH makes the attribute malformed.
            if (asn == 0) return "AS 0 in AS_PATH (RFC 7607)";
            asns.push_back(asn);
        }
    }
    return nullptr;
}

std::size_t as_path_value_size(const AsPath& path, AsPathEncoding encoding) noexcept {
    std::size_t size = 0;
    for (const auto& segment : path.segments()) {
        if (segment.asns.empty() || (encoding.skip_confederation && is_confederation(segment.type))) continue;
        const std::size_t chunks = (segment.asns.size() + max_segment_asns - 1) / max_segment_asns;
        size += 2 * chunks + segment.asns.size() * encoding.asn_size;
    }
    return size;
}

void encode_as_path_value(const AsPath& path, AsPathEncoding encoding, WireWriter& writer) {
    for (const auto& segment : path.segments()) {
        if (segment.asns.empty() || (encoding.skip_confederation && is_confederation(segment.type))) continue;
        const auto& asns = segment.asns;
        for (std::size_t first = 0; first < asns.size(); first += max_segment_asns) {
            const std::size_t count = std::min(max_segment_asns, asns.size() - first);
            writer.put_u8(static_cast<std::uint8_t>(segment.type));
            writer.put_u8(static_cast<std::uint8_t>(count));
            for (std::size_t i = first; i < first + count; ++i) {
                if (encoding.asn_size == 4) {
                    writer.put_u32(asns[i]);
                } else {
                    // RFC 6793 §4.2.2: non-mappable ASNs become AS_TRANS toward an OLD speaker.
                    writer.put_u16(static_cast<std::uint16_t>(asns[i] > 0xffff ? as_trans : asns[i]));
                }
            }
        }
    }
}

bool as_path_needs_as4(const AsPath& path) noexcept {
    for (const auto& segment : path.segments()) {
        if (is_confederation(segment.type)) continue;
        for (const auto asn : segment.asns)
            if (asn > 0xffff) return true;
    }
    return false;
}

void strip_confederation_segments(AsPath& path) {
    auto& segments = path.mutable_segments();
    std::erase_if(segments, [](const AsPathSegment& segment) { return is_confederation(segment.type); });
}

}  // namespace update_codec

}  // namespace bgpemu::bgp

// UpdatePacker: many prefixes, one attribute set, as few UPDATEs as fit.
//
// Message layouts (RFC 4271 §4.3, RFC 4760 §3-4):
//   IPv4 unicast announce:  header | 0 | attrs | NLRI...
//   other announce:         header | 0 | MP_REACH(next hop, NLRI...) attrs |
//   IPv4 unicast withdraw:  header | Withdrawn Routes... | 0 |
//   other withdraw:         header | 0 | MP_UNREACH(NLRI...) |
// MP_REACH/MP_UNREACH go first among the attributes (RFC 7606 §5.1); the rest keep
// ascending type order. Prefixes are taken greedily in the order given, so with
// prefixes of one length the count of messages is the minimum possible.
#include "bgp/wire/update_packer.hpp"

#include "bgp/wire/attributes_codec.hpp"

namespace bgpemu::bgp {

namespace {

using namespace update_codec;

constexpr AfiSafi ipv4_unicast{Afi::ipv4, Safi::unicast};

// How many prefixes from the front of `prefixes` fit in `budget` octets of NLRI, where
// `overhead(nlri_bytes)` is what the message needs besides them (it may grow with the
// NLRI, e.g. an attribute header switching to the Extended Length form).
template <typename Overhead>
std::size_t count_fitting(std::span<const Nlri> prefixes, bool add_path, std::size_t max_message, Overhead overhead,
                          std::size_t& nlri_bytes) {
    std::size_t count = 0;
    nlri_bytes = 0;
    for (const auto& nlri : prefixes) {
        const std::size_t next = nlri_bytes + nlri_wire_size(nlri, add_path);
        if (overhead(next) + next > max_message) break;
        nlri_bytes = next;
        ++count;
    }
    return count;
}

// Prefixes of another family than the one being sent would be encoded with the wrong
// address size; the packer sends only those that match.
[[nodiscard]] bool all_of_family(std::span<const Nlri> prefixes, Afi afi) noexcept {
    for (const auto& nlri : prefixes)
        if (nlri.prefix.afi() != afi) return false;
    return true;
}

[[nodiscard]] std::vector<Nlri> only_family(std::span<const Nlri> prefixes, Afi afi) {
    std::vector<Nlri> kept;
    for (const auto& nlri : prefixes)
        if (nlri.prefix.afi() == afi) kept.push_back(nlri);
    return kept;
}

}  // namespace

std::size_t UpdatePacker::announce(const PathAttributes& attributes, std::span<const Nlri> prefixes, AfiSafi family,
                                   Bytes& out) {
    if (!all_of_family(prefixes, family.afi)) {
        const auto kept = only_family(prefixes, family.afi);
        return announce(attributes, kept, family, out);
    }
    if (prefixes.empty()) return 0;  // an empty UPDATE would read as End-of-RIB
    const bool classic = family == ipv4_unicast;
    const bool add_path = context_.add_path_send.enabled(family);
    const std::size_t max_message = context_.max_message();

    // The attribute block, once per set. MP-only UPDATEs carry no NEXT_HOP (RFC 7606 §5.2).
    attribute_block_.clear();
    if (!encode_attribute_block(attributes, context_, AttributeBlockOptions{classic}, attribute_block_)) return 0;
    const std::size_t fixed = minimum_update_size + attribute_block_.size();

    std::size_t next_hop_size = 0;
    if (!classic) {
        // RFC 4760 §3: the next hop of an MP family rides in MP_REACH_NLRI.
        if (!attributes.mp_next_hop || attributes.mp_next_hop->afi() != family.afi) return 0;
        next_hop_size = mp_next_hop_size(*attributes.mp_next_hop, attributes.mp_next_hop_link_local);
    }
    const auto overhead = [&](std::size_t nlri_bytes) {
        if (classic) return fixed;
        const std::size_t value = mp_reach_value_size(next_hop_size, nlri_bytes);
        return fixed + attribute_header_size(value) + value - nlri_bytes;
    };

    std::size_t messages = 0;
    while (!prefixes.empty()) {
        std::size_t nlri_bytes = 0;
        const std::size_t count = count_fitting(prefixes, add_path, max_message, overhead, nlri_bytes);
        if (count == 0) break;  // the attributes leave no room for even one prefix
        const auto batch = prefixes.first(count);
        const std::size_t start = out.size();
        reserve_more(out, overhead(nlri_bytes) + nlri_bytes);
        begin_message(MessageType::update, out);
        WireWriter writer(out);
        writer.put_u16(0);  // no withdrawn routes
        const std::size_t attributes_at = writer.reserve_u16();
        if (!classic) {
            (void)encode_mp_reach(family, *attributes.mp_next_hop, attributes.mp_next_hop_link_local, batch, add_path, out);
        }
        writer.put_bytes(attribute_block_);
        writer.patch_u16(attributes_at, static_cast<std::uint16_t>(out.size() - attributes_at - 2));
        if (classic) encode_nlri_list(batch, add_path, out);
        patch_message_length(start, out);
        prefixes = prefixes.subspan(count);
        ++messages;
    }
    return messages;
}

std::size_t UpdatePacker::withdraw(std::span<const Nlri> prefixes, AfiSafi family, Bytes& out) {
    if (!all_of_family(prefixes, family.afi)) {
        const auto kept = only_family(prefixes, family.afi);
        return withdraw(kept, family, out);
    }
    if (prefixes.empty()) return 0;  // an empty UPDATE would read as End-of-RIB
    const bool classic = family == ipv4_unicast;
    const bool add_path = context_.add_path_send.enabled(family);
    const std::size_t max_message = context_.max_message();
    const auto overhead = [&](std::size_t nlri_bytes) {
        if (classic) return minimum_update_size;
        const std::size_t value = mp_unreach_value_size(nlri_bytes);
        return minimum_update_size + attribute_header_size(value) + value - nlri_bytes;
    };

    std::size_t messages = 0;
    while (!prefixes.empty()) {
        std::size_t nlri_bytes = 0;
        const std::size_t count = count_fitting(prefixes, add_path, max_message, overhead, nlri_bytes);
        if (count == 0) break;
        const auto batch = prefixes.first(count);
        const std::size_t start = out.size();
        reserve_more(out, overhead(nlri_bytes) + nlri_bytes);
        begin_message(MessageType::update, out);
        WireWriter writer(out);
        if (classic) {
            writer.put_u16(static_cast<std::uint16_t>(nlri_bytes));
            encode_nlri_list(batch, add_path, out);
            writer.put_u16(0);  // no path attributes
        } else {
            writer.put_u16(0);  // no withdrawn routes in the classic field
            const std::size_t attributes_at = writer.reserve_u16();
            (void)encode_mp_unreach(family, batch, add_path, out);
            writer.patch_u16(attributes_at, static_cast<std::uint16_t>(out.size() - attributes_at - 2));
        }
        patch_message_length(start, out);
        prefixes = prefixes.subspan(count);
        ++messages;
    }
    return messages;
}

void UpdatePacker::end_of_rib(AfiSafi family, Bytes& out) {
    // RFC 4724 §2: IPv4 unicast: the minimum UPDATE (23 octets); any other family: an
    // UPDATE holding only MP_UNREACH_NLRI with that AFI/SAFI and no withdrawn routes.
    const std::size_t start = out.size();
    begin_message(MessageType::update, out);
    WireWriter writer(out);
    writer.put_u16(0);
    if (family == ipv4_unicast) {
        writer.put_u16(0);
    } else {
        const std::size_t attributes_at = writer.reserve_u16();
        (void)encode_mp_unreach(family, {}, false, out);
        writer.patch_u16(attributes_at, static_cast<std::uint16_t>(out.size() - attributes_at - 2));
    }
    patch_message_length(start, out);
}

}  // namespace bgpemu::bgp

#include "bgp/session/negotiation.hpp"

#include <algorithm>

namespace bgpemu::bgp {

namespace {

// RFC 4760 §8: a speaker that sends no Multiprotocol capability supports IPv4 unicast only.
std::vector<AfiSafi> offered_families(const OpenMessage& open) {
    if (open.capabilities.multiprotocol.empty()) return {AfiSafi{Afi::ipv4, Safi::unicast}};
    return open.capabilities.multiprotocol;
}

bool peer_sends_path_ids(const OpenMessage& ours, const OpenMessage& theirs, AfiSafi family) {
    // RFC 7911 §4: we receive path ids for a family when we said receive and they said send.
    const auto says = [&](const OpenMessage& open, AddPathMode wanted) {
        return std::any_of(open.capabilities.add_path.begin(), open.capabilities.add_path.end(),
                           [&](const AddPathEntry& e) {
                               return e.afi_safi == family &&
                                      (e.mode == wanted || e.mode == AddPathMode::both);
                           });
    };
    return says(ours, AddPathMode::receive) && says(theirs, AddPathMode::send);
}

}  // namespace

bool NegotiatedSession::has_family(AfiSafi family) const noexcept {
    return std::find(families.begin(), families.end(), family) != families.end();
}

DecodeContext NegotiatedSession::decode_context(bool peer_is_external) const noexcept {
    DecodeContext context;
    context.four_octet_as = four_octet_as;
    context.extended_message = extended_message;
    context.peer_is_external = peer_is_external;
    context.add_path_receive = add_path_receive;
    return context;
}

EncodeContext NegotiatedSession::encode_context() const noexcept {
    EncodeContext context;
    context.four_octet_as = four_octet_as;
    context.extended_message = extended_message;
    return context;
}

OpenMessage build_open(const LocalOffer& offer) {
    OpenMessage open;
    open.version = 4;
    // RFC 6793 §4.1: a 4-octet ASN travels in the capability; the 2-octet field holds AS_TRANS.
    open.my_as = offer.local_as > 0xffff ? static_cast<std::uint16_t>(as_trans)
                                         : static_cast<std::uint16_t>(offer.local_as);
    open.hold_time = offer.hold_time;
    open.bgp_identifier = offer.router_id;
    Capabilities& caps = open.capabilities;
    caps.multiprotocol = offer.families;
    caps.route_refresh = offer.route_refresh;
    caps.enhanced_route_refresh = offer.enhanced_route_refresh;
    caps.extended_message = offer.extended_message;
    caps.four_octet_as = offer.local_as;
    if (offer.graceful_restart_helper) caps.graceful_restart = GracefulRestartCapability{};
    if (!offer.hostname.empty()) caps.fqdn = FqdnCapability{offer.hostname, {}};
    return open;
}

std::optional<WireError> check_peer_open(const OpenMessage& peer, const LocalOffer& offer,
                                         const PeerExpectation& expectation) {
    const std::uint32_t peer_as = peer.effective_as();
    if (expectation.remote_as != 0 && peer_as != expectation.remote_as) {
        // RFC 4271 §6.2: Bad Peer AS; the data carries the 2-octet My AS field as received.
        Bytes data{std::byte(peer.my_as >> 8), std::byte(peer.my_as & 0xff)};
        return WireError{ErrorAction::session_reset, ErrorCode::open_message, open_subcode::bad_peer_as,
                         std::move(data), 20, "peer AS does not match the configured remote AS"};
    }
    // RFC 6286 §2.2: the identifier must be non-zero, and for iBGP differ from ours.
    if (peer.bgp_identifier == 0 || (peer_as == offer.local_as && peer.bgp_identifier == offer.router_id)) {
        return WireError{ErrorAction::session_reset, ErrorCode::open_message, open_subcode::bad_bgp_identifier,
                         {}, 24, "peer BGP identifier is zero or equal to ours on an iBGP session"};
    }
    if (peer.hold_time != 0 && (peer.hold_time < 3 || peer.hold_time < expectation.minimum_hold_time)) {
        return WireError{ErrorAction::session_reset, ErrorCode::open_message, open_subcode::unacceptable_hold_time,
                         {}, 22, "peer hold time is below the acceptable minimum"};
    }
    return std::nullopt;
}

NegotiatedSession negotiate(const OpenMessage& ours, const OpenMessage& theirs) {
    NegotiatedSession session;
    session.peer_as = theirs.effective_as();
    session.peer_router_id = theirs.bgp_identifier;
    // RFC 4271 §4.2: the smaller of the two hold times; keepalive a third of it.
    session.hold_time = std::min(ours.hold_time, theirs.hold_time);
    session.keepalive_time = static_cast<std::uint16_t>(session.hold_time / 3);
    session.four_octet_as = ours.capabilities.four_octet_as.has_value() &&
                            theirs.capabilities.four_octet_as.has_value();
    // RFC 8654 §3: both must advertise it.
    session.extended_message = ours.capabilities.extended_message && theirs.capabilities.extended_message;
    session.route_refresh = theirs.capabilities.route_refresh || theirs.capabilities.route_refresh_cisco;
    session.enhanced_route_refresh =
        ours.capabilities.enhanced_route_refresh && theirs.capabilities.enhanced_route_refresh;
    const auto our_families = offered_families(ours);
    for (const AfiSafi family : offered_families(theirs)) {
        if (std::find(our_families.begin(), our_families.end(), family) != our_families.end())
            session.families.push_back(family);
    }
    session.add_path_receive.ipv4_unicast = peer_sends_path_ids(ours, theirs, {Afi::ipv4, Safi::unicast});
    session.add_path_receive.ipv6_unicast = peer_sends_path_ids(ours, theirs, {Afi::ipv6, Safi::unicast});
    return session;
}

}  // namespace bgpemu::bgp

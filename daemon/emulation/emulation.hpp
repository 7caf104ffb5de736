// The daemon's data plane: the dataplane::Network of the configured topology, bound to
// the running speakers (their live FIBs and Loc-RIBs answer the walk's questions), the
// state of the emulated links, and the log of events (sessions, links, reloads) that
// `show events` prints and `wait converged` watches.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bgp/speaker/speaker.hpp"
#include "dataplane/network.hpp"

namespace bgpemu::daemon {

struct Event {
    std::chrono::system_clock::time_point when;
    std::uint64_t sequence = 0;
    std::string kind;  // "session", "link", "reload"
    std::string text;
};

class Emulation final : public dataplane::RoutingState {
public:
    Emulation(std::vector<std::unique_ptr<bgp::Speaker>>& speakers, const dataplane::TopologyConfig& topology);

    [[nodiscard]] const dataplane::Network& network() const noexcept { return *network_; }
    // After the speakers start (and after a reload): every speaker's connected routes and
    // every session's link state follow the links; speakers report their sessions here.
    void attach();
    // A reloaded topology. Links kept by name keep the state they were put in at run
    // time, unless the file changed their `shutdown`.
    void replace_topology(const dataplane::TopologyConfig& topology);
    // Takes a link down or up; returns the neighbours whose sessions it dropped or restarted.
    // False in `changed` when the link already was so.
    std::vector<std::string> set_link_up(std::size_t link, bool up, bool& changed);

    void record(std::string kind, std::string text);
    [[nodiscard]] const std::deque<Event>& events() const noexcept { return events_; }

    // Converged: no best path changed and no event for `quiet`, no UPDATE waiting to go
    // out, and every session that should be up between two speakers of this daemon is
    // Established. `waiting_for` says what is not yet so.
    [[nodiscard]] bool converged(std::chrono::milliseconds quiet, std::vector<std::string>& waiting_for) const;
    // When the last event or best-path change happened (for convergence times).
    [[nodiscard]] std::chrono::system_clock::time_point last_change() const;

    [[nodiscard]] bgp::Speaker* speaker_of(std::size_t node) const;

    // While one lives, fib() keeps each external router's inferred FIB once built, instead
    // of building it again on every hop of every trace. Hold one only over work that runs
    // to its end without yielding to the io_context and changes nothing (a command that
    // only reads): then no speaker can change its Adj-RIB-Out toward that router
    // meanwhile, and the kept FIB is the one fib() would build. Without one, each call
    // builds it afresh. Nests; the last one to go drops the kept FIBs.
    class ExternalFibCache {
    public:
        explicit ExternalFibCache(const Emulation& emulation) : emulation_(emulation) { ++emulation_.fib_cache_holders_; }
        ~ExternalFibCache() {
            if (--emulation_.fib_cache_holders_ == 0) emulation_.external_fibs_.clear();
        }
        ExternalFibCache(const ExternalFibCache&) = delete;
        ExternalFibCache& operator=(const ExternalFibCache&) = delete;

    private:
        const Emulation& emulation_;
    };

    // dataplane::RoutingState
    [[nodiscard]] const rib::Fib* fib(std::size_t node) const override;
    void for_each_learned(std::size_t node, const std::function<void(const dataplane::LearnedRoute&)>& fn) const override;
    [[nodiscard]] bool learned_over(std::size_t node, std::size_t link, const bgp::IpAddress& address) const override;

private:
    void program(std::size_t node);
    // speaker_by_node_ anew: after the speakers start and after every reload (which
    // adds, removes and re-creates speakers), before anything asks speaker_of().
    void index_speakers();
    [[nodiscard]] std::chrono::steady_clock::time_point latest_change() const;

    std::vector<std::unique_ptr<bgp::Speaker>>& speakers_;
    dataplane::TopologyConfig topology_;
    std::unique_ptr<dataplane::Network> network_;
    std::vector<bgp::Speaker*> speaker_by_node_;  // by node index; null for other kinds
    // External routers' inferred FIBs: they follow our speakers' Adj-RIBs-Out, which
    // change under us, so they are rebuilt on each ask unless an ExternalFibCache holds
    // them; any change made through the Emulation drops them.
    mutable std::map<std::size_t, std::unique_ptr<rib::Fib>> external_fibs_;
    mutable int fib_cache_holders_ = 0;
    std::deque<Event> events_;
    std::uint64_t next_sequence_ = 1;
    std::chrono::steady_clock::time_point last_event_ = std::chrono::steady_clock::now();
};

}  // namespace bgpemu::daemon

// Longest-prefix match: a path-compressed binary trie (one per address family) whose
// nodes sit in one vector and refer to each other by 32-bit index.
//
// Each node holds a prefix; a child's prefix extends its parent's by at least one bit,
// and the bit right after the parent's length picks the child. Nodes without a value are
// the branching points ("glue") that path compression needs; erasing prunes them again,
// so the trie never holds more than about two nodes per stored prefix. Insert, erase and
// lookup walk at most one node per bit of the longest stored prefix.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "bgp/wire/ip.hpp"

namespace bgpemu::rib {

template <typename Value>
class PrefixTrie {
public:
    // The value stored for exactly `prefix`, or nullptr.
    [[nodiscard]] Value* find(const bgp::Prefix& prefix) {
        const auto [node, parent] = locate(prefix);
        return node != none && nodes_[node].value ? &*nodes_[node].value : nullptr;
    }
    [[nodiscard]] const Value* find(const bgp::Prefix& prefix) const {
        return const_cast<PrefixTrie*>(this)->find(prefix);
    }

    // Stores `value` for `prefix`, replacing what was there.
    void insert(const bgp::Prefix& prefix, Value value) {
        // The link being followed, as (parent, side): a pointer into nodes_ would dangle
        // when make_node grows the vector.
        std::uint32_t parent = none;
        unsigned side = 0;
        const auto link = [&]() -> std::uint32_t& {
            return parent == none ? root(prefix.afi()) : nodes_[parent].child[side];
        };
        for (;;) {
            const std::uint32_t current = link();
            if (current == none) {
                const std::uint32_t added = make_node(prefix, std::move(value));
                link() = added;
                return;
            }
            const bgp::Prefix there = nodes_[current].prefix;
            const unsigned common = common_length(there, prefix);
            if (common == there.length() && common == prefix.length()) {
                if (!nodes_[current].value) ++size_;
                nodes_[current].value = std::move(value);
                return;
            }
            if (common == there.length()) {  // `there` contains the new prefix: go down
                parent = current;
                side = prefix.address().bit(there.length()) ? 1 : 0;
                continue;
            }
            // The new prefix and `there` part ways at bit `common`: the new one becomes
            // their parent (when it contains `there`), or a glue node parents both.
            std::uint32_t above;
            if (common == prefix.length()) {
                above = make_node(prefix, std::move(value));
            } else {
                above = make_node(bgp::Prefix::make(prefix.address(), common), std::nullopt);
                const std::uint32_t added = make_node(prefix, std::move(value));
                nodes_[above].child[prefix.address().bit(common) ? 1 : 0] = added;
            }
            nodes_[above].child[there.address().bit(common) ? 1 : 0] = current;
            link() = above;
            return;
        }
    }

    // Removes the value for exactly `prefix`; false when there was none.
    bool erase(const bgp::Prefix& prefix) {
        const auto [node, parent] = locate(prefix);
        if (node == none || !nodes_[node].value) return false;
        nodes_[node].value.reset();
        --size_;
        prune(node, parent, prefix.afi());
        return true;
    }

    // The value of the longest stored prefix containing `address` (and that prefix).
    [[nodiscard]] std::optional<std::pair<bgp::Prefix, const Value*>> longest_match(const bgp::IpAddress& address) const {
        std::optional<std::pair<bgp::Prefix, const Value*>> best;
        std::uint32_t current = root(address.afi());
        while (current != none) {
            const Node& node = nodes_[current];
            if (!node.prefix.contains(address)) break;
            if (node.value) best.emplace(node.prefix, &*node.value);
            if (node.prefix.length() >= bgp::max_prefix_length(address.afi())) break;
            current = node.child[address.bit(node.prefix.length()) ? 1 : 0];
        }
        return best;
    }

    // Every stored prefix with its value, in address order (shorter first on a tie).
    void for_each(const std::function<void(const bgp::Prefix&, const Value&)>& fn) const {
        for (const auto afi : {bgp::Afi::ipv4, bgp::Afi::ipv6}) walk(root(afi), fn);
    }

    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] std::size_t node_count() const noexcept { return nodes_.size() - free_.size(); }

private:
    static constexpr std::uint32_t none = 0xffffffff;
    struct Node {
        bgp::Prefix prefix;
        std::uint32_t child[2] = {none, none};
        std::optional<Value> value;
    };

    [[nodiscard]] std::uint32_t& root(bgp::Afi afi) { return roots_[afi == bgp::Afi::ipv4 ? 0 : 1]; }
    [[nodiscard]] std::uint32_t root(bgp::Afi afi) const { return roots_[afi == bgp::Afi::ipv4 ? 0 : 1]; }

    // The number of leading bits the two prefixes share, at most the shorter length.
    [[nodiscard]] static unsigned common_length(const bgp::Prefix& a, const bgp::Prefix& b) noexcept {
        const unsigned limit = std::min(a.length(), b.length());
        unsigned bit = 0;
        const auto& x = a.address().bytes();
        const auto& y = b.address().bytes();
        while (bit + 8 <= limit && x[bit / 8] == y[bit / 8]) bit += 8;
        while (bit < limit && a.address().bit(bit) == b.address().bit(bit)) ++bit;
        return bit;
    }

    std::uint32_t make_node(const bgp::Prefix& prefix, std::optional<Value> value) {
        if (value) ++size_;
        Node node;
        node.prefix = prefix;
        node.value = std::move(value);
        if (!free_.empty()) {
            const std::uint32_t index = free_.back();
            free_.pop_back();
            nodes_[index] = std::move(node);
            return index;
        }
        nodes_.push_back(std::move(node));
        return static_cast<std::uint32_t>(nodes_.size() - 1);
    }

    // The node holding exactly `prefix` (with or without a value) and its parent.
    [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> locate(const bgp::Prefix& prefix) const {
        std::uint32_t parent = none;
        std::uint32_t current = root(prefix.afi());
        while (current != none) {
            const Node& node = nodes_[current];
            if (node.prefix.length() > prefix.length() || !node.prefix.contains(prefix)) return {none, none};
            if (node.prefix.length() == prefix.length()) return {current, parent};
            parent = current;
            current = node.child[prefix.address().bit(node.prefix.length()) ? 1 : 0];
        }
        return {none, none};
    }

    std::uint32_t& link_to(std::uint32_t node, std::uint32_t parent, bgp::Afi afi) {
        if (parent == none) return root(afi);
        auto& children = nodes_[parent].child;
        return children[0] == node ? children[0] : children[1];
    }

    // `node` just lost its value: drop it if it has no child, splice it out if it has
    // one; then its parent may have become a glue node with a single child, likewise.
    void prune(std::uint32_t node, std::uint32_t parent, bgp::Afi afi) {
        const auto children = [&](std::uint32_t n) {
            return (nodes_[n].child[0] != none ? 1 : 0) + (nodes_[n].child[1] != none ? 1 : 0);
        };
        if (children(node) == 2) return;
        const std::uint32_t only = nodes_[node].child[0] != none ? nodes_[node].child[0] : nodes_[node].child[1];
        link_to(node, parent, afi) = only;  // `none` when it was a leaf
        release(node);
        if (parent == none || nodes_[parent].value || children(parent) != 1) return;
        // The parent is glue with one child left: splice it out too (its parent found
        // by a fresh walk, as nodes keep no parent links).
        const auto [again, grandparent] = locate(nodes_[parent].prefix);
        const std::uint32_t rest = nodes_[parent].child[0] != none ? nodes_[parent].child[0] : nodes_[parent].child[1];
        link_to(again, grandparent, afi) = rest;
        release(again);
    }

    void release(std::uint32_t node) {
        nodes_[node] = Node{};
        free_.push_back(node);
    }

    void walk(std::uint32_t index, const std::function<void(const bgp::Prefix&, const Value&)>& fn) const {
        if (index == none) return;
        const Node& node = nodes_[index];
        if (node.value) fn(node.prefix, *node.value);
        walk(node.child[0], fn);
        walk(node.child[1], fn);
    }

    std::vector<Node> nodes_;
    std::vector<std::uint32_t> free_;
    std::uint32_t roots_[2] = {none, none};
    std::size_t size_ = 0;
};

}  // namespace bgpemu::rib

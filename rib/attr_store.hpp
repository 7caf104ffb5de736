// Interned path attributes: one copy per distinct attribute set.
//
// A full table shares a few thousand attribute sets among a million prefixes, so every
// path holds an AttrRef (one pointer) instead of its own PathAttributes. Two AttrRefs
// are equal exactly when their attributes are, which lets export group prefixes by
// attribute set and cache per-set transformations with a pointer compare.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "bgp/wire/attributes.hpp"

namespace bgpemu::rib {

class AttrStore;

struct AttrNode {
    bgp::PathAttributes value;
    std::size_t hash = 0;
    std::uint32_t references = 0;
    AttrStore* store = nullptr;
};

// A counted reference to an interned attribute set (single-threaded: plain counter).
class AttrRef {
public:
    AttrRef() noexcept = default;
    AttrRef(const AttrRef& other) noexcept : node_(other.node_) { retain(); }
    AttrRef(AttrRef&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
    AttrRef& operator=(const AttrRef& other) noexcept {
        if (node_ != other.node_) {
            release();
            node_ = other.node_;
            retain();
        }
        return *this;
    }
    AttrRef& operator=(AttrRef&& other) noexcept {
        if (this != &other) {
            release();
            node_ = other.node_;
            other.node_ = nullptr;
        }
        return *this;
    }
    ~AttrRef() { release(); }

    [[nodiscard]] explicit operator bool() const noexcept { return node_ != nullptr; }
    [[nodiscard]] const bgp::PathAttributes& operator*() const noexcept { return node_->value; }
    [[nodiscard]] const bgp::PathAttributes* operator->() const noexcept { return &node_->value; }
    [[nodiscard]] const AttrNode* node() const noexcept { return node_; }
    friend bool operator==(const AttrRef& a, const AttrRef& b) noexcept { return a.node_ == b.node_; }

private:
    friend class AttrStore;
    explicit AttrRef(AttrNode* node) noexcept : node_(node) { retain(); }
    void retain() const noexcept {
        if (node_) ++node_->references;
    }
    void release() noexcept;

    AttrNode* node_ = nullptr;
};

struct AttrRefHash {
    std::size_t operator()(const AttrRef& ref) const noexcept { return std::hash<const void*>{}(ref.node()); }
};

[[nodiscard]] std::size_t hash_attributes(const bgp::PathAttributes& attributes) noexcept;

class AttrStore {
public:
    AttrStore() = default;
    AttrStore(const AttrStore&) = delete;
    AttrStore& operator=(const AttrStore&) = delete;
    ~AttrStore();

    [[nodiscard]] AttrRef intern(const bgp::PathAttributes& attributes);
    [[nodiscard]] AttrRef intern(bgp::PathAttributes&& attributes);
    // Distinct attribute sets alive.
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    // Bytes held by the interned sets: the nodes, their AS paths and communities, the set.
    [[nodiscard]] std::size_t memory_bytes() const noexcept;

private:
    friend class AttrRef;
    // The interned sets: an open-addressing table of (node, hash) slots, linear probing
    // at most half full, backward-shift deletion. Erasing a set (its last reference
    // gone, a million times when a full table is withdrawn) finds its slot by pointer
    // among those of its hash, touching no other node; a node-based set walked its
    // bucket's chain from node to node.
    struct Slot {
        AttrNode* node = nullptr;
        std::size_t hash = 0;
    };
    void erase(AttrNode* node) noexcept;
    template <typename Attributes>
    AttrRef intern_impl(Attributes&& attributes);
    // The attribute hash is combined, not finalised: its bits are spread before masking.
    [[nodiscard]] std::size_t home(std::size_t hash) const noexcept {
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdULL;
        hash ^= hash >> 33;
        return hash & (slots_.size() - 1);
    }
    [[nodiscard]] std::size_t next(std::size_t slot) const noexcept { return (slot + 1) & (slots_.size() - 1); }
    void place(Slot slot);
    void grow();

    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace bgpemu::rib

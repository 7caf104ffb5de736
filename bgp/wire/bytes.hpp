// Byte buffers and the bounds-checked cursors the codec reads and writes with.
//
// Every decoder in bgp/ reads through WireReader: no pointer arithmetic outside it, and
// every read reports failure instead of reading past the end (OpenBGPD's habit of
// checking each length before use, made structural). WireReader also tracks the
// absolute offset of the cursor inside the whole message, so an error can say where
// the malformation is.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace bgpemu::bgp {

using ByteSpan = std::span<const std::byte>;
using Bytes = std::vector<std::byte>;

// Makes room for `extra` more bytes at the end of `out` without giving up geometric
// growth: a bare out.reserve(out.size() + extra) reallocates to the exact size on every
// append, which turns encoding N messages into one buffer into O(N^2) copying.
inline void reserve_more(Bytes& out, std::size_t extra) {
    const std::size_t needed = out.size() + extra;
    if (needed > out.capacity()) out.reserve(std::max(needed, out.capacity() * 2));
}

class WireReader {
public:
    // `base_offset` is where `data` starts inside the enclosing message.
    explicit WireReader(ByteSpan data, std::size_t base_offset = 0) noexcept
        : data_(data), base_offset_(base_offset) {}

    [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
    [[nodiscard]] bool empty() const noexcept { return pos_ == data_.size(); }
    // Absolute offset of the next unread byte in the enclosing message.
    [[nodiscard]] std::size_t offset() const noexcept { return base_offset_ + pos_; }
    // The unread bytes, without consuming them.
    [[nodiscard]] ByteSpan rest() const noexcept { return data_.subspan(pos_); }

    [[nodiscard]] bool read_u8(std::uint8_t& value) noexcept {
        if (remaining() < 1) return false;
        value = std::to_integer<std::uint8_t>(data_[pos_++]);
        return true;
    }
    [[nodiscard]] bool read_u16(std::uint16_t& value) noexcept {
        if (remaining() < 2) return false;
        value = static_cast<std::uint16_t>((byte_at(0) << 8) | byte_at(1));
        pos_ += 2;
        return true;
    }
    [[nodiscard]] bool read_u32(std::uint32_t& value) noexcept {
        if (remaining() < 4) return false;
        value = (static_cast<std::uint32_t>(byte_at(0)) << 24) |
                (static_cast<std::uint32_t>(byte_at(1)) << 16) |
                (static_cast<std::uint32_t>(byte_at(2)) << 8) | static_cast<std::uint32_t>(byte_at(3));
        pos_ += 4;
        return true;
    }
    [[nodiscard]] bool read_bytes(std::size_t count, ByteSpan& out) noexcept {
        if (remaining() < count) return false;
        out = data_.subspan(pos_, count);
        pos_ += count;
        return true;
    }
    // Consumes `count` bytes and returns a reader over exactly them (offsets preserved).
    [[nodiscard]] std::optional<WireReader> sub_reader(std::size_t count) noexcept {
        const std::size_t start = offset();
        ByteSpan bytes;
        if (!read_bytes(count, bytes)) return std::nullopt;
        return WireReader(bytes, start);
    }
    [[nodiscard]] bool skip(std::size_t count) noexcept {
        if (remaining() < count) return false;
        pos_ += count;
        return true;
    }

private:
    [[nodiscard]] unsigned byte_at(std::size_t i) const noexcept {
        return std::to_integer<unsigned>(data_[pos_ + i]);
    }

    ByteSpan data_;
    std::size_t base_offset_ = 0;
    std::size_t pos_ = 0;
};

// Appends big-endian fields to a byte vector; length fields are reserved and patched
// once the body they measure has been written.
class WireWriter {
public:
    explicit WireWriter(Bytes& out) noexcept : out_(out) {}

    [[nodiscard]] std::size_t size() const noexcept { return out_.size(); }

    void put_u8(std::uint8_t value) { out_.push_back(std::byte{value}); }
    void put_u16(std::uint16_t value) {
        out_.push_back(std::byte(value >> 8));
        out_.push_back(std::byte(value & 0xff));
    }
    void put_u32(std::uint32_t value) {
        put_u16(static_cast<std::uint16_t>(value >> 16));
        put_u16(static_cast<std::uint16_t>(value & 0xffff));
    }
    void put_bytes(ByteSpan bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
    void put_zeros(std::size_t count) { out_.insert(out_.end(), count, std::byte{0}); }

    // Reserves a one- or two-octet length field and returns its position.
    [[nodiscard]] std::size_t reserve_u8() { put_u8(0); return out_.size() - 1; }
    [[nodiscard]] std::size_t reserve_u16() { put_u16(0); return out_.size() - 2; }
    void patch_u8(std::size_t position, std::uint8_t value) { out_[position] = std::byte{value}; }
    void patch_u16(std::size_t position, std::uint16_t value) {
        out_[position] = std::byte(value >> 8);
        out_[position + 1] = std::byte(value & 0xff);
    }

private:
    Bytes& out_;
};

// Hex helpers for tests, logs and the admin socket ("ff ff 00 13" or "ffff0013").
[[nodiscard]] std::optional<Bytes> bytes_from_hex(std::string_view hex);
[[nodiscard]] std::string bytes_to_hex(ByteSpan bytes);

}  // namespace bgpemu::bgp

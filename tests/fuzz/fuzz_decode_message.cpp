// libFuzzer target for the receive path: framing, then decoding, through the pure API.
//
// Input: one context byte (see fuzz_context.hpp), then a byte stream as it would arrive
// on the socket. Like the session's read loop, we frame a message, decode it, and go on
// to the next one until the stream stops framing. Beyond the sanitizers, we check what
// the codec promises in codec.hpp and wire_error.hpp: a framed length lies in
// [19, max_message], and an error's offset points inside the message it describes.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "bgp/wire/codec.hpp"
#include "fuzz_context.hpp"

namespace {

using namespace bgpemu;

[[noreturn]] void broken_promise(const char* what, std::size_t value, std::size_t limit) {
    std::fprintf(stderr, "codec broke its contract: %s (%zu, limit %zu)\n", what, value, limit);
    std::abort();
}

void check_error(const bgp::WireError& error, std::size_t message_size) {
    if (error.offset > message_size) broken_promise("error offset beyond the message", error.offset, message_size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto input = std::as_bytes(std::span(data, size));
    if (input.empty()) return 0;
    const auto context = fuzz::decode_context_from_byte(std::to_integer<std::uint8_t>(input[0]));
    bgp::ByteSpan stream = input.subspan(1);

    while (true) {
        const auto header = bgp::read_frame_header(stream, context.max_message());
        if (!header) return 0;  // fewer than 19 bytes: the session would wait for more
        if (!header->ok()) {
            check_error(header->error(), stream.size());
            return 0;  // the session would send the NOTIFICATION and close
        }
        const std::size_t length = header->value().length;
        if (length < bgp::header_size || length > context.max_message())
            broken_promise("framed length outside [19, max_message]", length, context.max_message());
        if (length > stream.size()) return 0;  // incomplete message: wait for more

        const auto message = stream.first(length);
        const auto decoded = bgp::decode_message(message, context);
        if (!decoded) check_error(decoded.error(), message.size());
        stream = stream.subspan(length);
    }
}
